// Appends bytes to a file on a thread of its own, writing whole aligned
// blocks with O_DIRECT where the filesystem takes it. Made for a file that is
// written once and read back only after a failure (a kept download): its
// bytes then never pass through the page cache, which saves the copy into it,
// the writeback at the next sync and the reclaim when the file is removed,
// and the caller does not wait for the disk.
//
// The file always holds a prefix of what was appended: blocks are written in
// order by one thread, and a failed write cuts the file where it began. What
// is still in memory when the process dies is lost: at most kBlocks blocks,
// and less while the disk keeps up.
#ifndef OCITREE_BASE_DIRECT_APPENDER_H_
#define OCITREE_BASE_DIRECT_APPENDER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/io.h"

namespace ocitree {

class DirectAppender {
 public:
  static constexpr size_t kBlockSize = size_t{256} << 10;
  static constexpr size_t kBlocks = 4;

  // Appends to `fd` (borrowed: it must outlive this) from `offset` on.
  // `direct` is the same file opened with O_DIRECT, or invalid to write
  // through `fd` alone. `name` is for error messages.
  DirectAppender(int fd, UniqueFd direct, uint64_t offset, std::string name);
  // Abandon() unless Finish() was called.
  ~DirectAppender();
  DirectAppender(const DirectAppender&) = delete;
  DirectAppender& operator=(const DirectAppender&) = delete;

  // Queues a copy of `data`, waiting while every block waits for the disk.
  // Once a write has failed, returns that error and queues nothing.
  Status Append(ByteView data);
  // Writes everything appended (the last, partial block through `fd`) and
  // stops the thread. Returns the first write error.
  Status Finish();
  // Stops the thread; blocks not yet written are dropped.
  void Abandon();

 private:
  struct AlignedFree {
    void operator()(uint8_t* p) const;
  };
  using Buffer = std::unique_ptr<uint8_t, AlignedFree>;
  struct Block {
    Buffer data;
    uint64_t offset = 0;
    size_t size = 0;
    size_t capacity = 0;
  };

  void Queue(Block block);
  void Stop(bool drop_queued);
  void Work();
  Status WriteBlock(const Block& block);

  const int fd_;
  UniqueFd direct_;  // used by the thread only
  const std::string name_;
  uint64_t next_offset_;  // where the next appended byte goes
  Block filling_;         // the caller's; no data when none is open
  size_t allocated_ = 0;  // buffers made so far (the caller's count)
  uint64_t unsynced_ = 0;  // bytes written through fd_ since writeback was last started (thread's)

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Block> queue_;   // full blocks, oldest first
  std::vector<Buffer> free_;  // written blocks' buffers
  Status error_;              // the first failed write
  bool stop_ = false;
  bool done_ = false;  // Finish or Abandon ran
  std::thread thread_;
};

}  // namespace ocitree

#endif  // OCITREE_BASE_DIRECT_APPENDER_H_
