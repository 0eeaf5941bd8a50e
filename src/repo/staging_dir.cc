#include "repo/staging_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "base/fs_util.h"

namespace ocitree {

namespace {

constexpr char kStaging[] = "staging-";
constexpr char kOurs[] = "ocitree-";
constexpr char kLockSuffix[] = "-lock";

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Takes the exclusive lock on `tmp/<name>-lock` without waiting, the way
// libglnx's glnx_make_lock_file does (OFD lock, flock where the kernel has
// no OFD locks, and a retry when the file was unlinked by the holder that
// had it before us). Returns an invalid fd when someone else holds it.
Result<UniqueFd> TryLockSibling(int tmp_fd, const std::string& name) {
  const std::string lock_name = name + kLockSuffix;
  for (int attempt = 0; attempt < 8; attempt++) {
    UniqueFd fd(openat(tmp_fd, lock_name.c_str(), O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
    if (!fd.valid()) return Status::FromErrno("open lock file tmp/" + lock_name, errno);
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    int rc = fcntl(fd.get(), F_OFD_SETLK, &fl);
    if (rc != 0 && errno == EINVAL) rc = flock(fd.get(), LOCK_EX | LOCK_NB);
    if (rc != 0) {
      if (errno == EAGAIN || errno == EACCES || errno == EWOULDBLOCK) return UniqueFd();
      return Status::FromErrno("lock tmp/" + lock_name, errno);
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return Status::FromErrno("stat tmp/" + lock_name, errno);
    if (st.st_nlink > 0) return fd;
    // The previous holder removed the file after we opened it: our lock is
    // on a dead inode.
  }
  return Status::Error(ErrorCode::kBusy, "lock file tmp/" + lock_name + " keeps being replaced");
}

// Whether `name` (a directory below tmp/) still exists as a directory.
bool IsDirectory(int tmp_fd, const std::string& name) {
  struct stat st;
  return fstatat(tmp_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string StagingDir::BootPrefix() {
  static const std::string prefix = [] {
    std::string id;
    if (const char* env = std::getenv("OSTREE_BOOTID")) {
      id = env;
    } else if (auto text = ReadFileAt(AT_FDCWD, "/proc/sys/kernel/random/boot_id"); text.ok()) {
      id = text->substr(0, text->find('\n'));
    }
    return std::string(kStaging) + id + "-";
  }();
  return prefix;
}

void StagingDir::RemoveStale(int tmp_fd) {
  auto names = ListDirectory(tmp_fd);
  if (!names.ok()) return;
  const std::string boot = BootPrefix();
  for (const std::string& name : *names) {
    if (StartsWith(name, kReplaceTmpPrefix) && EndsWith(name, ".tmp")) {
      // Left by a ref writer killed before its rename; a live one renames within milliseconds.
      struct stat st;
      if (fstatat(tmp_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
          st.st_mtime + 600 < time(nullptr))
        unlinkat(tmp_fd, name.c_str(), 0);
      continue;
    }
    if (!StartsWith(name, kStaging)) continue;
    const bool ours = name.find(std::string("-") + kOurs) != std::string::npos;
    if (EndsWith(name, kLockSuffix)) {
      // A lock file whose directory is gone (a writer killed while it was
      // removing it): ours only, ostree cleans its own.
      std::string dir = name.substr(0, name.size() - std::string(kLockSuffix).size());
      if (!ours || IsDirectory(tmp_fd, dir)) continue;
      auto lock = TryLockSibling(tmp_fd, dir);
      if (lock.ok() && lock->valid() && !IsDirectory(tmp_fd, dir)) unlinkat(tmp_fd, name.c_str(), 0);
      continue;
    }
    // The current boot's ostree directories are ostree's to reuse.
    if (StartsWith(name, boot) && !ours) continue;
    auto lock = TryLockSibling(tmp_fd, name);
    if (!lock.ok() || !lock->valid()) continue;
    if (IsDirectory(tmp_fd, name)) (void)RemoveTreeAt(tmp_fd, name);
    unlinkat(tmp_fd, (name + kLockSuffix).c_str(), 0);
  }
}

Result<StagingDir> StagingDir::Create(int tmp_fd) {
  StagingDir dir;
  dir.tmp_fd_.Reset(fcntl(tmp_fd, F_DUPFD_CLOEXEC, 0));
  if (!dir.tmp_fd_.valid()) return Status::FromErrno("dup tmp/ descriptor", errno);
  for (int attempt = 0; attempt < 16; attempt++) {
    std::string name = BootPrefix() + kOurs + RandomSuffix();
    if (mkdirat(tmp_fd, name.c_str(), 0775) != 0) {
      if (errno == EEXIST) continue;
      return Status::FromErrno("create staging directory tmp/" + name, errno);
    }
    OCITREE_ASSIGN_OR_RETURN(UniqueFd lock, TryLockSibling(tmp_fd, name));
    // Between mkdir and the lock another writer may have taken the new
    // directory for a stale one (and removed it): then try another name.
    if (!lock.valid()) continue;
    if (!IsDirectory(tmp_fd, name)) {
      unlinkat(tmp_fd, (name + kLockSuffix).c_str(), 0);
      continue;
    }
    dir.dir_fd_.Reset(openat(tmp_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.dir_fd_.valid()) return Status::FromErrno("open staging directory tmp/" + name, errno);
    dir.lock_fd_ = std::move(lock);
    dir.name_ = std::move(name);
    return dir;
  }
  return Status::Error(ErrorCode::kBusy, "could not allocate a staging directory in tmp/ (others kept taking them)");
}

StagingDir::~StagingDir() {
  if (!dir_fd_.valid()) return;
  dir_fd_.Reset();
  (void)RemoveTreeAt(tmp_fd_.get(), name_);
  // Unlinked while still held, so nobody can lock the name of a directory
  // that is half removed.
  unlinkat(tmp_fd_.get(), (name_ + kLockSuffix).c_str(), 0);
}

}  // namespace ocitree
