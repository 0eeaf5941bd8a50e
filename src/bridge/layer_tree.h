// One OCI layer as a tree: what it adds or replaces, what it deletes
// (whiteouts) and which directories it makes opaque. Kept apart from the
// image tree so that a layer's whiteouts act on lower layers only, whatever
// their position in the tar (FORMATS.md 5.6).
#ifndef OCITREE_BRIDGE_LAYER_TREE_H_
#define OCITREE_BRIDGE_LAYER_TREE_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/checksum.h"
#include "repo/file_meta.h"
#include "repo/mutable_tree.h"

namespace ocitree {

struct LayerNode {
  bool is_dir = true;
  Checksum content;             // files and symlinks
  std::optional<DirMeta> meta;  // directories the layer lists itself
  bool opaque = false;          // .wh..wh..opq: hide every lower child
  std::set<std::string> whiteouts;  // .wh.NAME: delete NAME from lower layers
  // The whiteout and opaque entries themselves (".wh.NAME" -> an empty
  // content object), for the layer's own commit where they stay files.
  std::map<std::string, Checksum> markers;
  std::map<std::string, std::unique_ptr<LayerNode>> children;

  // The directory node at `parts` (created as implicit directories; a file in
  // the way is replaced, as a later tar entry replaces an earlier one).
  LayerNode* EnsureDir(const std::vector<std::string>& parts, size_t count);
  // The node at `parts`, or nullptr; `through_file` tells whether a file of
  // this layer stands on the way (then nothing below it can matter).
  const LayerNode* Find(const std::vector<std::string>& parts, size_t count, bool* through_file = nullptr) const;
};

struct ApplyStats {
  uint64_t whiteouts_applied = 0;
};

// Applies `layer` on top of `image`: opaque directories and whiteouts first
// remove lower content, then the layer's entries replace what they name.
// Directories the layer does not list keep their metadata; missing ones get
// `default_dir`.
Status ApplyLayer(const LayerNode& layer, MutableTree* image, const DirMeta& default_dir, ApplyStats* stats);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_TREE_H_
