// Fsck: re-hash every object reachable from every commit, check normal form
// and structure, and report each missing or corrupt object by checksum and
// the path where it was met (FORMATS 3.9).
#ifndef OCITREE_REPO_FSCK_H_
#define OCITREE_REPO_FSCK_H_

#include "ocitree/repo.h"
#include "repo/object_store.h"

namespace ocitree {

Result<FsckReport> FsckRepo(const ObjectStore& store);

// Re-hashes one content object; an error Status describes what is wrong.
Status VerifyContentObject(const ObjectStore& store, const Checksum& checksum);

}  // namespace ocitree

#endif  // OCITREE_REPO_FSCK_H_
