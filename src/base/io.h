// Byte streams: the one reader interface every streaming stage implements
// (files, decompressors, tar entries, HTTP bodies), plus the fd helpers.
#ifndef OCITREE_BASE_IO_H_
#define OCITREE_BASE_IO_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "ocitree/status.h"

namespace ocitree {

class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Reads up to buf.size() bytes; returns 0 only at the end of the stream.
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
};

// Where written bytes go: files, compressors, digesters, tar writers.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(ByteView data) = 0;
};

// Appends to a byte vector (tests, small documents).
class BytesSink : public ByteSink {
 public:
  explicit BytesSink(Bytes* out) : out_(out) {}
  Status Write(ByteView data) override {
    out_->insert(out_->end(), data.begin(), data.end());
    return {};
  }

 private:
  Bytes* out_;
};

// Writes to a file descriptor it does not own, retrying on EINTR and short
// writes; counts the bytes.
class FdSink : public ByteSink {
 public:
  explicit FdSink(int fd, std::string name = "") : fd_(fd), name_(std::move(name)) {}
  Status Write(ByteView data) override;
  uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  std::string name_;
  uint64_t bytes_ = 0;
};

// Reads until `buf` is full or the stream ends; returns the bytes read.
Result<size_t> ReadFull(ByteReader& in, std::span<uint8_t> buf);

// Reads and drops whatever is left of the stream.
Status ReadToEnd(ByteReader& in);

// Reads from a file descriptor it does not own, retrying on EINTR.
class FdReader : public ByteReader {
 public:
  explicit FdReader(int fd, std::string name = "") : fd_(fd), name_(std::move(name)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  int fd_;
  std::string name_;
};

// Reads from memory.
class MemoryReader : public ByteReader {
 public:
  explicit MemoryReader(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  ByteView data_;
};

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) { Reset(); fd_ = o.Release(); }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { int f = fd_; fd_ = -1; return f; }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of `data`, retrying on EINTR and short writes.
Status WriteAll(int fd, ByteView data, std::string_view what);
// Reads a whole (small) file relative to dirfd.
Result<std::string> ReadFileAt(int dirfd, const std::string& path);

}  // namespace ocitree

#endif  // OCITREE_BASE_IO_H_
