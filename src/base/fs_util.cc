#include "base/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace ocitree {

Status MakeDirs(int dirfd, const std::string& rel, mode_t mode) {
  if (rel.empty() || rel == ".") return {};
  if (mkdirat(dirfd, rel.c_str(), mode) == 0) return {};
  if (errno == EEXIST) {
    struct stat st;
    if (fstatat(dirfd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) return {};
    return Status::Error(ErrorCode::kAlreadyExists, rel + " exists and is not a directory");
  }
  if (errno != ENOENT) return Status::FromErrno("mkdir " + rel, errno);
  size_t slash = rel.rfind('/');
  if (slash == std::string::npos) return Status::FromErrno("mkdir " + rel, ENOENT);
  OCITREE_RETURN_IF_ERROR(MakeDirs(dirfd, rel.substr(0, slash), mode));
  if (mkdirat(dirfd, rel.c_str(), mode) != 0 && errno != EEXIST) return Status::FromErrno("mkdir " + rel, errno);
  return {};
}

std::string RandomSuffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint8_t raw[8];
  if (getrandom(raw, sizeof raw, 0) != sizeof raw) {
    static std::atomic<uint64_t> counter{0};
    uint64_t v = counter++ ^ static_cast<uint64_t>(getpid()) << 32;
    std::copy_n(reinterpret_cast<uint8_t*>(&v), 8, raw);
  }
  std::string out;
  for (uint8_t b : raw) out += kChars[b % (sizeof kChars - 1)];
  return out;
}

namespace {

Status WriteThenRename(int tmp_dirfd, const std::string& tmp, int dirfd, const std::string& rel, ByteView data,
                       mode_t mode, bool sync) {
  UniqueFd fd(openat(tmp_dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return Status::FromErrno("create " + tmp, errno);
  Status st = WriteAll(fd.get(), data, rel);
  if (st.ok() && fchmod(fd.get(), mode) != 0) st = Status::FromErrno("chmod " + tmp, errno);
  if (st.ok() && sync && fdatasync(fd.get()) != 0) st = Status::FromErrno("sync " + tmp, errno);
  if (st.ok() && renameat(tmp_dirfd, tmp.c_str(), dirfd, rel.c_str()) != 0)
    st = Status::FromErrno("rename to " + rel, errno);
  if (!st.ok()) unlinkat(tmp_dirfd, tmp.c_str(), 0);
  return st;
}

}  // namespace

Status WriteFileAtomically(int dirfd, const std::string& rel, ByteView data, mode_t mode, bool sync) {
  size_t slash = rel.rfind('/');
  std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash + 1);
  std::string tmp = dir + ".tmp-" + RandomSuffix();
  return WriteThenRename(dirfd, tmp, dirfd, rel, data, mode, sync);
}

Result<UniqueFd> OpenScratchFile(int dirfd, const std::string& rel) {
  UniqueFd fd(openat(dirfd, rel.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd.valid()) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return Status::FromErrno("create a scratch file in " + rel, errno);
  std::string name = rel + "/scratch-" + RandomSuffix();
  fd.Reset(openat(dirfd, name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600));
  if (!fd.valid()) return Status::FromErrno("create a scratch file in " + rel, errno);
  unlinkat(dirfd, name.c_str(), 0);
  return fd;
}

Status WriteFileAtomicallyVia(int tmp_dirfd, int dirfd, const std::string& rel, ByteView data, mode_t mode,
                              bool sync) {
  std::string tmp = std::string(kReplaceTmpPrefix) + RandomSuffix() + ".tmp";
  return WriteThenRename(tmp_dirfd, tmp, dirfd, rel, data, mode, sync);
}

std::pair<std::string, std::string> SplitParentPath(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

Result<std::vector<std::string>> ListDirectory(int dirfd) {
  int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Status::FromErrno("dup", errno);
  DIR* d = fdopendir(dup);
  if (d == nullptr) {
    close(dup);
    return Status::FromErrno("opendir", errno);
  }
  rewinddir(d);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int err = errno;
  closedir(d);
  if (err != 0) return Status::FromErrno("readdir", err);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> ReadLinkAt(int dirfd, const std::string& rel) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = readlinkat(dirfd, rel.c_str(), buf.data(), buf.size());
    if (n < 0) return Status::FromErrno("readlink " + rel, errno);
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

Status RemoveTreeAt(int dirfd, const std::string& name) {
  if (unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return {};
  if (errno != EISDIR && errno != EPERM) return Status::FromErrno("remove " + name, errno);
  UniqueFd fd(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open " + name, errno);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> children, ListDirectory(fd.get()));
  for (const std::string& child : children) OCITREE_RETURN_IF_ERROR(RemoveTreeAt(fd.get(), child));
  if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return Status::FromErrno("remove " + name, errno);
  return {};
}

}  // namespace ocitree
