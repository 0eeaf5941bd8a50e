#include "compress/deflate.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <vector>

namespace ocitree {

namespace {
constexpr size_t kBufferSize = 128 * 1024;
}

struct DeflateScratch::State {
  // Not zeroed on purpose: isal_deflate_init sets what it needs.
  isal_zstream stream;
  std::unique_ptr<uint8_t[]> level_buf;
  uint32_t level_buf_size = 0;
  std::unique_ptr<uint8_t[]> out{new uint8_t[kBufferSize]};
};

DeflateScratch::DeflateScratch() : state_(new State) {}
DeflateScratch::~DeflateScratch() = default;

DeflateWriter::DeflateWriter(int fd, int level, DeflateScratch* scratch, ByteView prefix)
    : owned_(scratch ? nullptr : std::make_unique<DeflateScratch>()),
      state_((scratch ? scratch : owned_.get())->state_.get()),
      fd_(fd) {
  isal_deflate_init(&state_->stream);
  state_->stream.gzip_flag = IGZIP_DEFLATE;
  state_->stream.flush = NO_FLUSH;
  static constexpr uint32_t kLevelBuf[] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
  if (level < 0) level = 0;
  if (level > 3) level = 3;
  state_->stream.level = static_cast<uint32_t>(level);
  if (level > 0) {
    if (state_->level_buf_size < kLevelBuf[level]) {
      state_->level_buf.reset(new uint8_t[kLevelBuf[level]]);
      state_->level_buf_size = kLevelBuf[level];
    }
    state_->stream.level_buf = state_->level_buf.get();
    state_->stream.level_buf_size = kLevelBuf[level];
  }
  // A prefix that fits leaves room for at least half a buffer of output.
  if (prefix.size() <= kBufferSize / 2) {
    std::copy(prefix.begin(), prefix.end(), state_->out.get());
    pending_ = prefix.size();
  } else {
    prefix_status_ = WriteAll(fd_, prefix, "compressed object");
  }
}

DeflateWriter::~DeflateWriter() = default;

Status DeflateWriter::Run(ByteView data, bool last) {
  OCITREE_RETURN_IF_ERROR(prefix_status_);
  isal_zstream& s = state_->stream;
  s.next_in = const_cast<uint8_t*>(data.data());
  s.avail_in = static_cast<uint32_t>(data.size());
  s.end_of_stream = last ? 1 : 0;
  do {
    s.next_out = state_->out.get() + pending_;
    s.avail_out = static_cast<uint32_t>(kBufferSize - pending_);
    if (isal_deflate(&s) != COMP_OK) return Internal("deflate failed");
    size_t produced = kBufferSize - pending_ - s.avail_out;
    compressed_ += produced;
    size_t out = pending_ + produced;
    if (out == 0) continue;
    pending_ = 0;
    OCITREE_RETURN_IF_ERROR(WriteAll(fd_, ByteView(state_->out.get(), out), "compressed object"));
  } while (s.avail_in > 0 || (last && s.internal_state.state != ZSTATE_END));
  return {};
}

Status DeflateWriter::Write(ByteView data) {
  // avail_in is 32-bit: feed huge buffers in slices.
  while (data.size() > (1u << 30)) {
    OCITREE_RETURN_IF_ERROR(Run(data.first(1u << 30), false));
    data = data.subspan(1u << 30);
  }
  return Run(data, false);
}

Status DeflateWriter::Finish() { return Run({}, true); }

Status DeflateWriter::WriteAndFinish(ByteView data) {
  while (data.size() > (1u << 30)) {
    OCITREE_RETURN_IF_ERROR(Run(data.first(1u << 30), false));
    data = data.subspan(1u << 30);
  }
  return Run(data, true);
}

struct InflateScratch::State {
  // Left uninitialised on purpose (isal_inflate_init sets what it needs):
  // zeroing ~200 KiB per small object was a visible part of fsck's time.
  inflate_state inflate;
  std::unique_ptr<uint8_t[]> in{new uint8_t[kBufferSize]};
  bool source_done;
  bool finished;
};

InflateScratch::InflateScratch() : state_(new State) {}
InflateScratch::~InflateScratch() = default;

InflateReader::InflateReader(ByteReader& source, InflateScratch* scratch)
    : owned_(scratch ? nullptr : std::make_unique<InflateScratch>()),
      state_((scratch ? scratch : owned_.get())->state_.get()),
      source_(source) {
  isal_inflate_init(&state_->inflate);
  state_->inflate.crc_flag = ISAL_DEFLATE;
  state_->inflate.avail_in = 0;
  state_->source_done = false;
  state_->finished = false;
}

InflateReader::~InflateReader() = default;

Result<size_t> InflateReader::Read(std::span<uint8_t> buf) {
  inflate_state& s = state_->inflate;
  if (buf.empty()) return size_t{0};
  while (!state_->finished) {
    if (s.avail_in == 0 && !state_->source_done) {
      OCITREE_ASSIGN_OR_RETURN(size_t n, source_.Read({state_->in.get(), kBufferSize}));
      if (n == 0) state_->source_done = true;
      s.next_in = state_->in.get();
      s.avail_in = static_cast<uint32_t>(n);
    }
    s.next_out = buf.data();
    s.avail_out = static_cast<uint32_t>(std::min<size_t>(buf.size(), 1u << 30));
    int rc = isal_inflate(&s);
    if (rc != ISAL_DECOMP_OK) return Corrupt("invalid deflate data (isa-l error " + std::to_string(rc) + ")");
    size_t produced = std::min<size_t>(buf.size(), 1u << 30) - s.avail_out;
    if (s.block_state == ISAL_BLOCK_FINISH) {
      state_->finished = true;
      if (s.avail_in > 0) return Corrupt("data after the end of a deflate stream");
      uint8_t extra;
      OCITREE_ASSIGN_OR_RETURN(size_t more, source_.Read({&extra, 1}));
      if (more > 0) return Corrupt("data after the end of a deflate stream");
    }
    if (produced > 0) return produced;
    if (state_->source_done && s.avail_in == 0 && !state_->finished)
      return Corrupt("truncated deflate stream");
  }
  return size_t{0};
}

}  // namespace ocitree
