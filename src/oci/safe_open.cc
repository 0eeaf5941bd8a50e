#include "oci/safe_open.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace ocitree::oci {

namespace {

Status OpenError(std::string_view rel, int err) {
  if (err == ELOOP) {
    return Corrupt(std::string(rel) + ": a symlink is in the way; layouts are read without following symlinks");
  }
  if (err == ENOTDIR) return Corrupt(std::string(rel) + ": a path component is not a directory");
  return Status::FromErrno("open " + std::string(rel), err);
}

}  // namespace

Result<UniqueFd> OpenRegularFileBeneath(int dirfd, std::string_view rel, uint64_t* size) {
  UniqueFd current;
  int at = dirfd;
  size_t start = 0;
  for (;;) {
    size_t slash = rel.find('/', start);
    std::string comp(rel.substr(start, slash - start));
    if (comp.empty() || comp == "." || comp == "..") {
      return Corrupt("'" + std::string(rel) + "' is not a plain relative path");
    }
    bool last = slash == std::string_view::npos;
    // O_NONBLOCK: opening a FIFO planted in the layout must not hang.
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (last ? O_NONBLOCK : O_DIRECTORY);
    UniqueFd next(::openat(at, comp.c_str(), flags));
    if (!next.valid()) return OpenError(rel, errno);
    current = std::move(next);
    at = current.get();
    if (last) break;
    start = slash + 1;
  }
  struct stat st;
  if (::fstat(current.get(), &st) != 0) return Status::FromErrno("stat " + std::string(rel), errno);
  if (!S_ISREG(st.st_mode)) return Corrupt(std::string(rel) + ": not a regular file");
  *size = static_cast<uint64_t>(st.st_size);
  return current;
}

Result<Bytes> ReadFileBeneath(int dirfd, std::string_view rel, size_t max_size) {
  uint64_t size = 0;
  OCITREE_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularFileBeneath(dirfd, rel, &size));
  if (size > max_size) {
    return Unsupported(std::string(rel) + ": " + std::to_string(size) + " bytes is over the limit of " +
                       std::to_string(max_size));
  }
  Bytes out(static_cast<size_t>(size));
  FdReader reader(fd.get(), std::string(rel));
  OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(reader, out));
  // A file that changes while we read it is not one to trust either way.
  uint8_t extra;
  OCITREE_ASSIGN_OR_RETURN(size_t more, reader.Read({&extra, 1}));
  if (n != size || more != 0) return Corrupt(std::string(rel) + ": changed while being read");
  return out;
}

}  // namespace ocitree::oci
