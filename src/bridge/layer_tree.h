// One OCI layer as a tree: what it adds or replaces, what it deletes
// (whiteouts) and which directories it makes opaque. Kept apart from the
// image tree so that a layer's whiteouts act on lower layers only, whatever
// their position in the tar (FORMATS.md 5.6).
#ifndef OCITREE_BRIDGE_LAYER_TREE_H_
#define OCITREE_BRIDGE_LAYER_TREE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/checksum.h"
#include "repo/file_meta.h"
#include "repo/mutable_tree.h"

namespace ocitree {

// Memory: a big layer has one LayerNode per file, so a file node holds only
// its checksum and pointers; what only directories (or hardlinks to lower
// layers) have lives behind pointers that stay null for plain files.
struct LayerNode {
  // Whiteout entries of a directory (rare: allocated only when present).
  struct Marks {
    std::set<std::string> whiteouts;  // .wh.NAME: delete NAME from lower layers
    // The whiteout and opaque entries themselves (".wh.NAME" -> an empty
    // content object), for the layer's own commit where they stay files.
    std::map<std::string, Checksum> markers;
  };

  // A directory already written as the dirtree/dirmeta objects its layer
  // commit lists, its children dropped from memory (layer_fold.h).
  struct Folded {
    MutableTree::Written written;
    // Directories below it (relative; "" for itself) that the tar did not
    // list: their dirmeta is the default one, as in the layer commit.
    std::vector<std::string> implicit_dirs;
  };

  bool is_dir = true;
  bool opaque = false;          // .wh..wh..opq: hide every lower child
  Checksum content;             // files and symlinks
  // A hardlink to a file of the lower layers, read before those were
  // applied: `content` is filled in from this path before the layer is.
  std::unique_ptr<std::string> lower_link;
  std::unique_ptr<DirMeta> meta;  // directories the layer lists itself
  std::unique_ptr<Marks> marks;   // null: no whiteout entries here
  std::unique_ptr<Folded> folded; // null: the children are the ones below
  std::map<std::string, std::unique_ptr<LayerNode>> children;

  Marks& EnsureMarks() {
    if (!marks) marks = std::make_unique<Marks>();
    return *marks;
  }

  // The directory node at `parts` (created as implicit directories; a file in
  // the way is replaced, as a later tar entry replaces an earlier one). The
  // content of a replaced file goes to `displaced` when given. Folded
  // directories on the way must have been unfolded first.
  LayerNode* EnsureDir(const std::vector<std::string>& parts, size_t count,
                       std::vector<Checksum>* displaced = nullptr);
  // The node at `parts`, or nullptr; `through_file` tells whether a file of
  // this layer stands on the way (then nothing below it can matter).
  const LayerNode* Find(const std::vector<std::string>& parts, size_t count, bool* through_file = nullptr) const;
};

// Appends every content checksum `node` lists (files, symlinks, markers,
// all the way down, folded directories read from `folded_source`) to `out`.
Status CollectContents(const LayerNode& node, const TreeSource* folded_source, std::vector<Checksum>* out);

struct ApplyStats {
  uint64_t whiteouts_applied = 0;
};

// The target of a symlink content object, or nullopt for a regular file.
using SymlinkTargetFn = std::function<Result<std::optional<std::string>>(const Checksum& content)>;

// Applies `layer` on top of `image` (the image root): opaque directories and
// whiteouts first remove lower content, then the layer's entries replace
// what they name. Directories the layer does not list keep their metadata;
// missing ones get `default_dir`. A path the layer reaches through a lower
// symlink without listing the directory itself (`lib/x` over `lib ->
// usr/lib`) goes where the symlink points, resolved inside the image root as
// container runtimes and umoci do; with no `symlink_target` such a symlink
// is replaced by a directory. A folded directory of the layer that lands
// where the image has nothing is taken by checksum, unread; others are read
// from `folded_source` one level at a time.
Status ApplyLayer(const LayerNode& layer, MutableTree* image, const DirMeta& default_dir, ApplyStats* stats,
                  const SymlinkTargetFn& symlink_target = {}, const TreeSource* folded_source = nullptr);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_TREE_H_
