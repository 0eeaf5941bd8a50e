// Folding: while a layer that gets its own commit is read, each directory
// the tar has moved past is written at once as the dirtree/dirmeta objects
// the layer commit will list, and its children are dropped from memory. On
// a tar in directory order (what tar, umoci and buildkit write) a pull then
// holds only the directories on the current path, however many files the
// layer has. A tar that comes back to a folded directory unfolds it again:
// the objects are the same either way, only the cost differs.
//
// Only subtrees whose layer-commit form is also their image form fold: no
// whiteout markers and no hardlinks to lower layers below them. So a folded
// directory that lands where the image has nothing is adopted by checksum.
#ifndef OCITREE_BRIDGE_LAYER_FOLD_H_
#define OCITREE_BRIDGE_LAYER_FOLD_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge/layer_tree.h"
#include "repo/transaction.h"

namespace ocitree {

// True when `dir` may fold: an unfolded directory without markers whose
// files all have their content and whose subdirectories are folded.
bool CanFold(const LayerNode& dir);

// Writes `dir` (CanFold must hold) and drops its children and metadata.
Status FoldDir(Transaction& txn, LayerNode* dir);

// A new node holding the listing of a folded directory, one level deep:
// its subdirectories are folded nodes in turn.
Result<std::unique_ptr<LayerNode>> OpenFolded(const TreeSource& source, const LayerNode::Folded& folded);

// Makes folded `dir` an ordinary node again (one level, as OpenFolded).
Status UnfoldDir(const TreeSource& source, LayerNode* dir);

// The content of the file at parts[from..] below folded `dir`, or nullopt
// when there is none (missing, or a directory).
Result<std::optional<Checksum>> FindFoldedFile(const TreeSource& source, const LayerNode::Folded& dir,
                                               const std::vector<std::string>& parts, size_t from);

// Calls fn for the content of every file below the stored dirtree `tree`.
Status ForEachStoredContent(const TreeSource& source, const Checksum& tree,
                            const std::function<void(const Checksum&)>& fn);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_FOLD_H_
