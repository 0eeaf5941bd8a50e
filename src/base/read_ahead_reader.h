// A reader that reads its source on a thread of its own, a few chunks ahead
// of the caller, so that waiting for the source (a network transfer) overlaps
// with the caller's work on what came before (decompressing, parsing,
// writing). Bytes, their order, the end and the first error are exactly the
// source's; an error is returned once everything read before it has been
// consumed, so a caller that resumes from its position loses nothing.
#ifndef OCITREE_BASE_READ_AHEAD_READER_H_
#define OCITREE_BASE_READ_AHEAD_READER_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/io.h"

namespace ocitree {

class ReadAheadReader : public ByteReader {
 public:
  // At most `chunks` chunks of up to `chunk_size` bytes are held ahead.
  explicit ReadAheadReader(std::unique_ptr<ByteReader> source, size_t chunk_size = size_t{256} << 10,
                           size_t chunks = 4);
  // Borrows `source`, which must outlive this reader. The reading thread
  // leaves it alone once this reader has returned the end or an error, or
  // has been destroyed: from then on the caller may use it (and whatever it
  // reads from) again.
  explicit ReadAheadReader(ByteReader& source, size_t chunk_size = size_t{256} << 10, size_t chunks = 4);
  // Stops the reading thread: it finishes the source read it is in (bounded
  // by the source's own timeouts) and reads no further.
  ~ReadAheadReader() override;
  ReadAheadReader(const ReadAheadReader&) = delete;
  ReadAheadReader& operator=(const ReadAheadReader&) = delete;

  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  void Fill();

  std::unique_ptr<ByteReader> owned_;
  ByteReader& source_;
  const size_t chunk_size_;
  const size_t max_chunks_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Chunk {
    Bytes data;  // chunk_size_ bytes allocated once, reused
    size_t size = 0;
  };
  std::deque<Chunk> ready_;  // filled chunks, oldest first
  std::vector<Bytes> spare_;  // handed-out chunks' buffers, for Fill to reuse
  size_t front_pos_ = 0;     // bytes of ready_.front() already handed out
  bool ended_ = false;       // the source returned 0 or an error
  Status error_;             // that error, if any
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ocitree

#endif  // OCITREE_BASE_READ_AHEAD_READER_H_
