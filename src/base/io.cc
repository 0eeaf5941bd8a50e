#include "base/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ocitree {

Result<size_t> ReadFull(ByteReader& in, std::span<uint8_t> buf) {
  size_t total = 0;
  while (total < buf.size()) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, in.Read(buf.subspan(total)));
    if (n == 0) break;
    total += n;
  }
  return total;
}

Status ReadToEnd(ByteReader& in) {
  std::vector<uint8_t> buf(64 * 1024);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, in.Read(buf));
    if (n == 0) return {};
  }
}

Result<size_t> FdReader::Read(std::span<uint8_t> buf) {
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Status::FromErrno("read " + name_, errno);
  }
}

Result<size_t> MemoryReader::Read(std::span<uint8_t> buf) {
  size_t n = std::min(buf.size(), data_.size());
  if (n > 0) std::memcpy(buf.data(), data_.data(), n);
  data_ = data_.subspan(n);
  return n;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status WriteAll(int fd, ByteView data, std::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + std::string(what), errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return {};
}

Status FdSink::Write(ByteView data) {
  OCITREE_RETURN_IF_ERROR(WriteAll(fd_, data, name_));
  bytes_ += data.size();
  return {};
}

Result<std::string> ReadFileAt(int dirfd, const std::string& path) {
  UniqueFd fd(::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return Status::FromErrno("open " + path, errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace ocitree
