#include "base/read_ahead_reader.h"

#include <algorithm>
#include <cstring>

namespace ocitree {

ReadAheadReader::ReadAheadReader(std::unique_ptr<ByteReader> source, size_t chunk_size, size_t chunks)
    : owned_(std::move(source)), source_(*owned_), chunk_size_(std::max<size_t>(chunk_size, 1)), max_chunks_(std::max<size_t>(chunks, 1)) {
  thread_ = std::thread([this] { Fill(); });
}

ReadAheadReader::ReadAheadReader(ByteReader& source, size_t chunk_size, size_t chunks)
    : source_(source), chunk_size_(std::max<size_t>(chunk_size, 1)), max_chunks_(std::max<size_t>(chunks, 1)) {
  thread_ = std::thread([this] { Fill(); });
}

ReadAheadReader::~ReadAheadReader() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAheadReader::Fill() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || ready_.size() < max_chunks_; });
      if (stop_) return;
    }
    // A chunk is filled by as many source reads as it takes (an HTTP stream
    // returns what one network read brought), but handed over at once when
    // the source ends or fails, so that nothing waits behind a partial chunk.
    // Buffers go round: allocating and zeroing a new one per chunk cost as
    // much as a copy of the whole stream.
    Bytes chunk;
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (!spare_.empty()) {
        chunk = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (chunk.size() != chunk_size_) chunk = Bytes(chunk_size_);
    size_t have = 0;
    Status error;
    bool end = false;
    while (have < chunk.size()) {
      Result<size_t> n = source_.Read(std::span<uint8_t>(chunk.data() + have, chunk.size() - have));
      if (!n.ok()) {
        error = n.status();
        break;
      }
      if (*n == 0) {
        end = true;
        break;
      }
      have += *n;
      std::lock_guard<std::mutex> guard(mu_);
      if (stop_) return;
      // Hand over early when the caller is starving.
      if (ready_.empty() && have >= chunk_size_ / 8) break;
    }
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (have > 0) ready_.push_back(Chunk{std::move(chunk), have});
      if (!error.ok() || end) {
        error_ = error;
        ended_ = true;
      }
    }
    cv_.notify_all();
    if (!error.ok() || end) return;
  }
}

Result<size_t> ReadAheadReader::Read(std::span<uint8_t> buf) {
  if (buf.empty()) return size_t{0};
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !ready_.empty() || ended_; });
  if (ready_.empty()) {
    if (!error_.ok()) return error_;
    return size_t{0};
  }
  Chunk& front = ready_.front();
  size_t n = std::min(buf.size(), front.size - front_pos_);
  std::memcpy(buf.data(), front.data.data() + front_pos_, n);
  front_pos_ += n;
  if (front_pos_ == front.size) {
    spare_.push_back(std::move(front.data));
    ready_.pop_front();
    front_pos_ = 0;
    lock.unlock();
    cv_.notify_all();
  }
  return n;
}

}  // namespace ocitree
