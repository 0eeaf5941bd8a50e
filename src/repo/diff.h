// Diff of two committed trees, by checksum: unchanged subtrees are skipped
// without being read.
#ifndef OCITREE_REPO_DIFF_H_
#define OCITREE_REPO_DIFF_H_

#include <vector>

#include "ocitree/repo.h"
#include "repo/object_store.h"

namespace ocitree {

// Modified entries first, then deleted, then added (as `ostree diff`).
Result<std::vector<DiffEntry>> DiffCommits(const ObjectStore& store, const Checksum& from, const Checksum& to);

}  // namespace ocitree

#endif  // OCITREE_REPO_DIFF_H_
