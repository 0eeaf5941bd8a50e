#include "compress/decompress.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstring>
#include <vector>

namespace ocitree {

namespace {

constexpr size_t kInputBuffer = 256 * 1024;

class GzipReader : public ByteReader {
 public:
  explicit GzipReader(ByteReader& source) : source_(source), in_(kInputBuffer) { Reset(); }

  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (buf.empty() || done_) return size_t{0};
    for (;;) {
      if (state_.avail_in == 0 && !source_done_) OCITREE_RETURN_IF_ERROR(Fill());
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        // A member ended: another may follow (concatenated gzip), else the end.
        if (state_.avail_in == 0 && source_done_) {
          done_ = true;
          return size_t{0};
        }
        if (state_.avail_in == 0) continue;
        if (state_.next_in[0] != 0x1f) return Corrupt("data after the end of the gzip stream");
        uint8_t* next = state_.next_in;
        uint32_t avail = state_.avail_in;
        Reset();
        state_.next_in = next;
        state_.avail_in = avail;
      }
      size_t want = std::min<size_t>(buf.size(), 1u << 30);
      state_.next_out = buf.data();
      state_.avail_out = static_cast<uint32_t>(want);
      int rc = isal_inflate(&state_);
      if (rc == ISAL_INCORRECT_CHECKSUM) return Corrupt("gzip CRC or length check failed");
      if (rc != ISAL_DECOMP_OK) return Corrupt("invalid gzip data (isa-l error " + std::to_string(rc) + ")");
      size_t produced = want - state_.avail_out;
      if (produced > 0) return produced;
      if (source_done_ && state_.avail_in == 0 && state_.block_state != ISAL_BLOCK_FINISH)
        return Corrupt("truncated gzip stream");
    }
  }

 private:
  void Reset() {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
  }
  Status Fill() {
    OCITREE_ASSIGN_OR_RETURN(size_t n, source_.Read(in_));
    if (n == 0) source_done_ = true;
    state_.next_in = in_.data();
    state_.avail_in = static_cast<uint32_t>(n);
    return {};
  }

  ByteReader& source_;
  std::vector<uint8_t> in_;
  inflate_state state_;
  bool source_done_ = false;
  bool done_ = false;
};

class ZstdReader : public ByteReader {
 public:
  explicit ZstdReader(ByteReader& source) : source_(source), in_(ZSTD_DStreamInSize()) {
    stream_ = ZSTD_createDStream();
    ZSTD_initDStream(stream_);
  }
  ~ZstdReader() override { ZSTD_freeDStream(stream_); }

  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (buf.empty()) return size_t{0};
    for (;;) {
      if (input_.pos == input_.size && !source_done_) {
        OCITREE_ASSIGN_OR_RETURN(size_t n, source_.Read(in_));
        if (n == 0) source_done_ = true;
        input_ = {in_.data(), n, 0};
      }
      ZSTD_outBuffer out = {buf.data(), buf.size(), 0};
      size_t in_before = input_.pos;
      size_t rc = ZSTD_decompressStream(stream_, &out, &input_);
      if (ZSTD_isError(rc)) return Corrupt(std::string("invalid zstd data: ") + ZSTD_getErrorName(rc));
      // A call that made no progress says nothing about where the frame is
      // (after a finished frame, zstd asks for the next frame's header).
      if (out.pos > 0 || input_.pos > in_before) frame_done_ = rc == 0;
      if (out.pos > 0) return out.pos;
      if (source_done_ && input_.pos == input_.size) {
        if (!frame_done_) return Corrupt("truncated zstd stream");
        return size_t{0};
      }
    }
  }

 private:
  ByteReader& source_;
  std::vector<uint8_t> in_;
  ZSTD_DStream* stream_;
  ZSTD_inBuffer input_ = {nullptr, 0, 0};
  bool source_done_ = false;
  bool frame_done_ = true;
};

}  // namespace

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "uncompressed";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "?";
}

Compression DetectCompression(ByteView m) {
  if (m.size() >= 2 && m[0] == 0x1f && m[1] == 0x8b) return Compression::kGzip;
  if (m.size() >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<ByteReader>> NewDecompressor(Compression compression, ByteReader& source) {
  switch (compression) {
    case Compression::kGzip: return std::unique_ptr<ByteReader>(std::make_unique<GzipReader>(source));
    case Compression::kZstd: return std::unique_ptr<ByteReader>(std::make_unique<ZstdReader>(source));
    case Compression::kNone: break;
  }
  return Internal("no decompressor for uncompressed data");
}

Result<ByteView> PeekableReader::Peek(size_t n) {
  n = std::min(n, sizeof head_);
  while (head_size_ < n) {
    OCITREE_ASSIGN_OR_RETURN(size_t got, source_.Read({head_ + head_size_, n - head_size_}));
    if (got == 0) break;
    head_size_ += got;
  }
  return ByteView(head_ + head_pos_, head_size_ - head_pos_);
}

Result<size_t> PeekableReader::Read(std::span<uint8_t> buf) {
  if (head_pos_ < head_size_) {
    size_t n = std::min(buf.size(), head_size_ - head_pos_);
    std::memcpy(buf.data(), head_ + head_pos_, n);
    head_pos_ += n;
    return n;
  }
  return source_.Read(buf);
}

}  // namespace ocitree
