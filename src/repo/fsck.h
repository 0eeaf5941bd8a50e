// Fsck: re-hash every object reachable from every commit, check normal form
// and structure, and report each missing or corrupt object by checksum and
// the path where it was met (FORMATS 3.9).
//
// The walk over commits and trees runs on one thread and lists the content
// objects it meets (each once); those are re-hashed by a pool of threads
// (one per core), each with its own buffers. Problems come out in the order
// the walk met the objects, whatever thread found them.
#ifndef OCITREE_REPO_FSCK_H_
#define OCITREE_REPO_FSCK_H_

#include <vector>

#include "compress/deflate.h"
#include "ocitree/repo.h"
#include "repo/object_store.h"

namespace ocitree {

// `threads` = 0: one per core.
Result<FsckReport> FsckRepo(const ObjectStore& store, unsigned threads = 0);

// What re-hashing content objects one after another can reuse (one per thread).
struct VerifyScratch {
  std::vector<uint8_t> buffer = std::vector<uint8_t>(256 * 1024);
  InflateScratch inflate;
};

// Re-hashes one content object; an error Status describes what is wrong.
Status VerifyContentObject(const ObjectStore& store, const Checksum& checksum, VerifyScratch* scratch = nullptr);

}  // namespace ocitree

#endif  // OCITREE_REPO_FSCK_H_
