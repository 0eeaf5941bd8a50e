#include "oci/pread_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ocitree::oci {

PreadReader::PreadReader(std::shared_ptr<const UniqueFd> fd, uint64_t offset, uint64_t length,
                         std::string name)
    : fd_(std::move(fd)), offset_(offset), remaining_(length), name_(std::move(name)) {}

Result<size_t> PreadReader::Read(std::span<uint8_t> buf) {
  size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), remaining_));
  if (want == 0) return size_t{0};
  for (;;) {
    ssize_t n = ::pread(fd_->get(), buf.data(), want, static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + name_, errno);
    }
    if (n == 0) return Corrupt(name_ + ": file ends " + std::to_string(remaining_) + " bytes early");
    offset_ += static_cast<uint64_t>(n);
    remaining_ -= static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

}  // namespace ocitree::oci
