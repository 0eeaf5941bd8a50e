#include "repo/repo_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace ocitree {

namespace {

// Returns 0, or the errno of the attempt.
int TryLock(int fd, RepoLock::Kind kind, bool* used_flock) {
  struct flock fl = {};
  fl.l_type = kind == RepoLock::Kind::kShared ? F_RDLCK : F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (!*used_flock) {
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
    if (errno != EINVAL) return errno;
    *used_flock = true;  // no OFD locks here: fall back like libostree
  }
  int op = (kind == RepoLock::Kind::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  return flock(fd, op) == 0 ? 0 : errno;
}

}  // namespace

Result<RepoLock> RepoLock::Acquire(int repo_dirfd, Kind kind, int timeout_seconds) {
  RepoLock lock;
  lock.fd_.Reset(openat(repo_dirfd, ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0660));
  if (!lock.fd_.valid()) {
    // A read-only repository cannot be changed by anyone through us; reading
    // it needs no lock (libostree skips locking there too).
    if (errno == EROFS || errno == EACCES) return lock;
    return Status::FromErrno("open repository lock .lock", errno);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool used_flock = false;
  for (;;) {
    int err = TryLock(lock.fd_.get(), kind, &used_flock);
    if (err == 0) return lock;
    if (err != EAGAIN && err != EACCES && err != EWOULDBLOCK && err != EINTR)
      return Status::FromErrno("lock repository", err);
    if (timeout_seconds >= 0 && std::chrono::steady_clock::now() >= deadline)
      return Status::Error(ErrorCode::kBusy,
                           std::string("repository is locked by another process (waited ") +
                               std::to_string(timeout_seconds) + " s for the " +
                               (kind == Kind::kShared ? "shared" : "exclusive") + " lock)");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace ocitree
