// Finding a path inside a committed tree.
#ifndef OCITREE_REPO_TREE_PATH_H_
#define OCITREE_REPO_TREE_PATH_H_

#include <string>
#include <string_view>
#include <vector>

#include "repo/object_store.h"

namespace ocitree {

struct TreeNode {
  bool is_dir = true;
  Checksum tree;     // directories
  Checksum meta;     // directories
  Checksum content;  // files and symlinks
};

// Splits "/a/b/" into {"a","b"}; rejects "." and ".." components.
Result<std::vector<std::string>> SplitTreePath(std::string_view path);

// Normalises a path from an archive (tar entry, layer): "./a//b/" -> {"a","b"},
// a leading "/" is dropped (absolute paths are relative to the root, as tar
// extracts them). ".." components and names OSTree cannot store (not UTF-8)
// are errors.
Result<std::vector<std::string>> NormalizeArchivePath(std::string_view raw);
std::string JoinTreePath(const std::vector<std::string>& parts);

// Resolves `path` ("/" or "" for the root) below the root of `commit`.
// Symlinks inside the tree are not followed.
Result<TreeNode> ResolveTreePath(const ObjectStore& store, const CommitObject& commit, std::string_view path);

}  // namespace ocitree

#endif  // OCITREE_REPO_TREE_PATH_H_
