// A transaction's staging directory under tmp/, allocated and locked the way
// libostree does it, so that ocitree and the real ostree never delete each
// other's live directories (FORMATS 3.8):
//   * named `staging-<boot id>-ocitree-<random>`: ostree's tmp/ cleanup
//     removes staging directories of *other* boots even when it can lock
//     them, so ours must carry the current boot id like its own do;
//   * locked through the sibling file `tmp/<name>-lock` (exclusive OFD lock,
//     flock where OFD locks are missing), which is what ostree tries before
//     it removes or reuses a directory; the lock is outside the directory so
//     that it can be held until the directory is gone.
#ifndef OCITREE_REPO_STAGING_DIR_H_
#define OCITREE_REPO_STAGING_DIR_H_

#include <string>

#include "base/io.h"

namespace ocitree {

class StagingDir {
 public:
  // Removes the staging directories below `tmp_fd` that nobody holds and
  // that are ours (any boot) or from another boot (any writer), with their
  // lock files; leaves the current boot's ostree directories for ostree to
  // reuse. Best effort: errors are ignored.
  static void RemoveStale(int tmp_fd);

  // Creates and locks a new staging directory below `tmp_fd`.
  static Result<StagingDir> Create(int tmp_fd);

  StagingDir() = default;
  StagingDir(StagingDir&&) = default;
  StagingDir& operator=(StagingDir&&) = default;
  // Removes the directory (if still held) and then its lock file.
  ~StagingDir();

  bool valid() const { return dir_fd_.valid(); }
  int fd() const { return dir_fd_.get(); }
  const std::string& name() const { return name_; }  // below tmp/

  // The prefix of the current boot's staging directories ("staging-<boot
  // id>-"; $OSTREE_BOOTID overrides the kernel's boot id, as in libostree).
  static std::string BootPrefix();

 private:
  UniqueFd tmp_fd_;
  UniqueFd dir_fd_;
  UniqueFd lock_fd_;
  std::string name_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_STAGING_DIR_H_
