#include "compress/compressor.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstring>
#include <string>
#include <vector>

namespace ocitree {

namespace {

// Input reaches the codec in slices of exactly this size (the last one may
// be shorter), whatever the Write calls look like: the compressed bytes then
// depend on the input alone.
constexpr size_t kChunkSize = 256 * 1024;

// Buffers input into fixed-size chunks and hands each to the codec.
class ChunkedCompressor : public Compressor {
 public:
  explicit ChunkedCompressor(ByteSink& out) : out_(out) {}

  Status Write(ByteView data) final {
    OCITREE_RETURN_IF_ERROR(CheckUsable("Write"));
    bytes_in_ += data.size();
    while (!data.empty()) {
      if (buffer_.empty() && data.size() >= kChunkSize) {
        // Whole chunks straight from the caller's memory: no copy.
        OCITREE_RETURN_IF_ERROR(Run(data.first(kChunkSize), false));
        data = data.subspan(kChunkSize);
        continue;
      }
      size_t n = std::min(kChunkSize - buffer_.size(), data.size());
      buffer_.insert(buffer_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
      data = data.subspan(n);
      if (buffer_.size() == kChunkSize) {
        OCITREE_RETURN_IF_ERROR(Run(buffer_, false));
        buffer_.clear();
      }
    }
    return {};
  }

  Status Finish() final {
    OCITREE_RETURN_IF_ERROR(CheckUsable("Finish"));
    finished_ = true;
    Status s = Run(buffer_, true);
    buffer_.clear();
    buffer_.shrink_to_fit();
    return s;
  }

 protected:
  // Compresses one chunk; `last` ends the stream.
  virtual Status Compress(ByteView chunk, bool last) = 0;

  Status Emit(ByteView bytes) {
    if (bytes.empty()) return {};
    bytes_out_ += bytes.size();
    return out_.Write(bytes);
  }

 private:
  Status CheckUsable(const char* what) {
    if (!error_.ok()) return error_;
    if (finished_) return Internal(std::string("compressor: ") + what + " after Finish");
    return {};
  }
  Status Run(ByteView chunk, bool last) {
    Status s = Compress(chunk, last);
    if (!s.ok()) error_ = s;
    return s;
  }

  ByteSink& out_;
  Bytes buffer_;
  Status error_;
  bool finished_ = false;
};

class GzipCompressor : public ChunkedCompressor {
 public:
  GzipCompressor(ByteSink& out, int level) : ChunkedCompressor(out), out_buf_(kChunkSize) {
    isal_deflate_init(&stream_);
    // ISA-L writes the deflate data and the CRC32 + ISIZE trailer; the
    // header is ours, so that no field depends on the time or the host.
    stream_.gzip_flag = IGZIP_GZIP_NO_HDR;
    stream_.flush = NO_FLUSH;
    stream_.level = static_cast<uint32_t>(level);
    static constexpr uint32_t kLevelBuf[] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                             ISAL_DEF_LVL3_DEFAULT};
    if (level > 0) {
      level_buf_.resize(kLevelBuf[level]);
      stream_.level_buf = level_buf_.data();
      stream_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    }
  }

 protected:
  Status Compress(ByteView chunk, bool last) override {
    if (!header_written_) {
      // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255.
      static constexpr uint8_t kHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
      header_written_ = true;
      OCITREE_RETURN_IF_ERROR(Emit(ByteView(kHeader, sizeof kHeader)));
    }
    stream_.next_in = const_cast<uint8_t*>(chunk.data());
    stream_.avail_in = static_cast<uint32_t>(chunk.size());
    stream_.end_of_stream = last ? 1 : 0;
    do {
      stream_.next_out = out_buf_.data();
      stream_.avail_out = static_cast<uint32_t>(out_buf_.size());
      int rc = isal_deflate(&stream_);
      if (rc != COMP_OK) return Internal("gzip: isa-l deflate failed (error " + std::to_string(rc) + ")");
      OCITREE_RETURN_IF_ERROR(Emit(ByteView(out_buf_.data(), out_buf_.size() - stream_.avail_out)));
    } while (stream_.avail_in > 0 || (last && stream_.internal_state.state != ZSTATE_END));
    return {};
  }

 private:
  isal_zstream stream_;
  Bytes level_buf_;
  Bytes out_buf_;
  bool header_written_ = false;
};

class ZstdCompressor : public ChunkedCompressor {
 public:
  ZstdCompressor(ByteSink& out, int level)
      : ChunkedCompressor(out), cctx_(ZSTD_createCCtx()), out_buf_(ZSTD_CStreamOutSize()) {
    if (cctx_ == nullptr) return;  // reported by the first Compress
    // nbWorkers stays 0: one thread, so block boundaries never depend on
    // scheduling.
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(cctx_); }

 protected:
  Status Compress(ByteView chunk, bool last) override {
    if (cctx_ == nullptr) return Internal("zstd: cannot create a compression context");
    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
    const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      ZSTD_outBuffer out{out_buf_.data(), out_buf_.size(), 0};
      const size_t rc = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(rc)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(rc));
      OCITREE_RETURN_IF_ERROR(Emit(ByteView(out_buf_.data(), out.pos)));
      // Without `last`, zstd may keep output buffered: it comes with later calls.
      if (last ? rc == 0 : in.pos == in.size) return {};
    }
  }

 private:
  ZSTD_CCtx* cctx_;
  Bytes out_buf_;
};

class PassThrough : public Compressor {
 public:
  explicit PassThrough(ByteSink& out) : out_(out) {}
  Status Write(ByteView data) override {
    if (finished_) return Internal("compressor: Write after Finish");
    bytes_in_ += data.size();
    bytes_out_ += data.size();
    return out_.Write(data);
  }
  Status Finish() override {
    if (finished_) return Internal("compressor: Finish after Finish");
    finished_ = true;
    return {};
  }

 private:
  ByteSink& out_;
  bool finished_ = false;
};

}  // namespace

int DefaultCompressionLevel(Compression compression) {
  switch (compression) {
    case Compression::kGzip: return 1;
    case Compression::kZstd: return 3;
    case Compression::kNone: break;
  }
  return 0;
}

Result<std::unique_ptr<Compressor>> NewCompressor(Compression compression, ByteSink& out,
                                                  std::optional<int> level) {
  const int l = level.value_or(DefaultCompressionLevel(compression));
  const std::string bad = std::string(CompressionName(compression)) + ": compression level " +
                          std::to_string(l) + " is not valid";
  switch (compression) {
    case Compression::kNone:
      if (level) return InvalidArgument("uncompressed output takes no compression level");
      return std::unique_ptr<Compressor>(std::make_unique<PassThrough>(out));
    case Compression::kGzip:
      if (l < 0 || l > ISAL_DEF_MAX_LEVEL) return InvalidArgument(bad + " (0 to 3)");
      return std::unique_ptr<Compressor>(std::make_unique<GzipCompressor>(out, l));
    case Compression::kZstd:
      if (l == 0 || l < ZSTD_minCLevel() || l > ZSTD_maxCLevel()) {
        return InvalidArgument(bad + " (1 to " + std::to_string(ZSTD_maxCLevel()) +
                               ", or negative down to " + std::to_string(ZSTD_minCLevel()) + ")");
      }
      return std::unique_ptr<Compressor>(std::make_unique<ZstdCompressor>(out, l));
  }
  return Internal("unknown compression");
}

}  // namespace ocitree
