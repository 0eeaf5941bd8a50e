// Commit: build a tree from a directory or a tar file, store its objects,
// write the commit object and move the branch, all in one transaction.
#ifndef OCITREE_REPO_COMMIT_H_
#define OCITREE_REPO_COMMIT_H_

#include "ocitree/repo.h"
#include "repo/mutable_tree.h"
#include "repo/object_store.h"

namespace ocitree {

Result<CommitResult> CommitTree(ObjectStore& store, const CommitOptions& options);

// What a repository mode keeps of a file's or directory's metadata; for
// bare-user-only that is ostree's "canonical permissions" (FORMATS 3.3).
void CanonicalizeForMode(RepoMode mode, FileMeta* meta);
void CanonicalizeForMode(RepoMode mode, DirMeta* meta);

// Fills `root` from the directory at `path` (internal to commit; shared
// with tests).
Status BuildTreeFromDirectory(Transaction& txn, const std::string& path, MutableTree* root, CommitResult* stats);
Status BuildTreeFromTar(Transaction& txn, const std::string& tar_path, MutableTree* root, CommitResult* stats);

// Writes a commit object for `root` and queues the branch move.
Result<Checksum> WriteCommitObject(Transaction& txn, const CommitOptions& options,
                                   const MutableTree::Written& root, const std::optional<Checksum>& parent);

}  // namespace ocitree

#endif  // OCITREE_REPO_COMMIT_H_
