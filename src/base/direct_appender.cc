#include "base/direct_appender.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace ocitree {

namespace {
// O_DIRECT wants offsets, lengths and memory aligned to the device's logical
// block; a page covers every common one.
constexpr size_t kAlign = 4096;
// Blocks written through the page cache (no O_DIRECT here) are pushed to the
// disk every this many bytes, so that the next sync does not find them all.
constexpr uint64_t kWritebackBytes = uint64_t{8} << 20;
}  // namespace

void DirectAppender::AlignedFree::operator()(uint8_t* p) const { std::free(p); }

DirectAppender::DirectAppender(int fd, UniqueFd direct, uint64_t offset, std::string name)
    : fd_(fd), direct_(std::move(direct)), name_(std::move(name)), next_offset_(offset) {}

DirectAppender::~DirectAppender() {
  if (!done_) Abandon();
}

Status DirectAppender::Append(ByteView data) {
  while (!data.empty()) {
    if (!filling_.data) {
      std::unique_lock<std::mutex> lock(mu_);
      if (free_.empty() && allocated_ >= kBlocks) cv_.wait(lock, [&] { return !free_.empty() || !error_.ok(); });
      if (!error_.ok()) return error_;
      if (!free_.empty()) {
        filling_.data = std::move(free_.back());
        free_.pop_back();
      } else {
        lock.unlock();
        void* p = std::aligned_alloc(kAlign, kBlockSize);
        if (p == nullptr) return Status::Error(ErrorCode::kIo, name_ + ": out of memory for a write buffer");
        filling_.data.reset(static_cast<uint8_t*>(p));
        allocated_++;
      }
      filling_.offset = next_offset_;
      filling_.size = 0;
      // A file resumed at an odd size: the first block ends on an aligned
      // offset, so that the ones after it can go with O_DIRECT.
      filling_.capacity = kBlockSize - static_cast<size_t>(next_offset_ % kAlign);
    }
    size_t n = std::min(data.size(), filling_.capacity - filling_.size);
    std::memcpy(filling_.data.get() + filling_.size, data.data(), n);
    filling_.size += n;
    next_offset_ += n;
    data = data.subspan(n);
    if (filling_.size == filling_.capacity) Queue(std::move(filling_));
  }
  return {};
}

void DirectAppender::Queue(Block block) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_.ok()) {
    free_.push_back(std::move(block.data));
    return;
  }
  queue_.push_back(std::move(block));
  if (!thread_.joinable()) thread_ = std::thread([this] { Work(); });
  cv_.notify_all();
}

Status DirectAppender::Finish() {
  if (done_) return Internal(name_ + ": DirectAppender finished twice");
  if (filling_.data && filling_.size > 0) Queue(std::move(filling_));
  Stop(/*drop_queued=*/false);
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void DirectAppender::Abandon() {
  if (!done_) Stop(/*drop_queued=*/true);
}

void DirectAppender::Stop(bool drop_queued) {
  done_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (drop_queued) queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DirectAppender::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopped, and all written
    Block block = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Status written = WriteBlock(block);
    lock.lock();
    if (!written.ok() && error_.ok()) {
      error_ = written;
      // The file ends where this block began: later blocks must not follow.
      for (Block& b : queue_) free_.push_back(std::move(b.data));
      queue_.clear();
    }
    free_.push_back(std::move(block.data));
    cv_.notify_all();
  }
}

Status DirectAppender::WriteBlock(const Block& block) {
  const bool aligned = block.offset % kAlign == 0 && block.size % kAlign == 0;
  int fd = direct_.valid() && aligned ? direct_.get() : fd_;
  size_t done = 0;
  while (done < block.size) {
    ssize_t w = pwrite(fd, block.data.get() + done, block.size - done, static_cast<off_t>(block.offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EINVAL && fd == direct_.get()) {
      // The filesystem takes O_DIRECT at open but not for this write.
      direct_.Reset();
      fd = fd_;
      continue;
    }
    if (w <= 0) {
      int err = w < 0 ? errno : EIO;
      // Should this fail too, the file still holds correct bytes only: those
      // of this block that were written, at their offsets.
      (void)!ftruncate(fd_, static_cast<off_t>(block.offset));
      return Status::FromErrno(name_ + ": write at offset " + std::to_string(block.offset + done), err);
    }
    done += static_cast<size_t>(w);
    // A short direct write leaves the rest unaligned.
    if (fd != fd_ && done % kAlign != 0) fd = fd_;
  }
  if (fd == fd_) {
    unsynced_ += block.size;
    if (unsynced_ >= kWritebackBytes) {
      sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);  // the whole file: clean pages cost nothing
      unsynced_ = 0;
    }
  }
  return {};
}

}  // namespace ocitree
