// Prune: delete every object that no ref reaches (through commits, their
// parents, trees and files), under the exclusive repository lock.
#ifndef OCITREE_REPO_PRUNE_H_
#define OCITREE_REPO_PRUNE_H_

#include <set>

#include "ocitree/repo.h"
#include "repo/object_store.h"

namespace ocitree {

Result<PruneReport> PruneRepo(ObjectStore& store, const PruneOptions& options);

// The same, for callers that already hold the exclusive lock; refs in
// `ignored_refs` do not count as roots (they are about to be deleted).
Result<PruneReport> PruneRepoLocked(ObjectStore& store, const PruneOptions& options,
                                    const std::set<std::string>& ignored_refs);

// Adds to `reachable` everything reachable from `commit` (missing objects
// are skipped: a partial commit still protects what it has).
Status MarkReachable(const ObjectStore& store, const Checksum& commit,
                     std::set<std::pair<ObjectType, Checksum>>* reachable);

}  // namespace ocitree

#endif  // OCITREE_REPO_PRUNE_H_
