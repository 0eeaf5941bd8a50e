// The repository lock: an OFD fcntl lock on `<repo>/.lock`, shared while
// writing objects, exclusive while deleting them, exactly as libostree takes
// it, so ocitree and the real ostree can work on one repository (FORMATS 3.8).
#ifndef OCITREE_REPO_REPO_LOCK_H_
#define OCITREE_REPO_REPO_LOCK_H_

#include "base/io.h"

namespace ocitree {

class RepoLock {
 public:
  enum class Kind { kShared, kExclusive };
  // Waits up to `timeout_seconds` (<0: forever) for the lock.
  static Result<RepoLock> Acquire(int repo_dirfd, Kind kind, int timeout_seconds = 300);

  RepoLock() = default;
  RepoLock(RepoLock&&) = default;
  RepoLock& operator=(RepoLock&&) = default;
  // Closing the descriptor releases the OFD lock.

 private:
  UniqueFd fd_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_REPO_LOCK_H_
