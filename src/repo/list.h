// Listing (ls) and reading (cat) paths of a committed tree.
#ifndef OCITREE_REPO_LIST_H_
#define OCITREE_REPO_LIST_H_

#include <vector>

#include "ocitree/repo.h"
#include "repo/object_store.h"

namespace ocitree {

// Lists `path`: a directory's own entry and then (or, recursively, all of)
// its children, directories first then files as dirtrees order them.
Result<std::vector<TreeEntry>> ListTree(const ObjectStore& store, const Checksum& commit, std::string_view path,
                                        bool recursive);
Status CatFile(const ObjectStore& store, const Checksum& commit, std::string_view path, int out_fd);

}  // namespace ocitree

#endif  // OCITREE_REPO_LIST_H_
