// Layered storage: each layer is a commit on ocitree/layer/sha256/<diff_id>
// whose tree is the layer as its tar has it, whiteouts kept as the empty
// `.wh.NAME` files, so that `ostree checkout --union --whiteouts` of the
// layer commits in order gives the image (DESIGN.md 4).
#ifndef OCITREE_BRIDGE_LAYER_COMMIT_H_
#define OCITREE_BRIDGE_LAYER_COMMIT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge/layer_tree.h"
#include "oci/digest.h"
#include "repo/mutable_tree.h"
#include "repo/transaction.h"

namespace ocitree {

inline constexpr char kLayerRefPrefix[] = "ocitree/layer/sha256/";

std::string LayerRef(const oci::Digest& diff_id);

struct LayerOrigin {
  oci::Digest diff_id;
  std::string blob_digest;  // "sha256:..." of the blob it was read from
  std::string media_type;
};

// A layer already in the repository.
struct StoredLayer {
  Checksum commit;
  MutableTree::Written root;
  uint64_t whiteouts = 0;                 // whiteout and opaque entries
  std::vector<std::string> implicit_dirs; // directories the tar did not list
};

// What writing a layer's tree learns about it.
struct LayerTreeInfo {
  uint64_t whiteouts = 0;                 // whiteout and opaque entries
  std::vector<std::string> implicit_dirs; // relative to the node written ("" for itself)
};

// Writes `node` as the layer commit lists it: entries as the tar has them,
// whiteout markers as files, folded directories by their checksums.
Result<MutableTree::Written> WriteLayerTree(Transaction& txn, const LayerNode& node, LayerTreeInfo* info);

// Writes the layer's tree and commit and queues its ref; returns the layer.
Result<StoredLayer> WriteLayerCommit(Transaction& txn, const LayerNode& layer, const LayerOrigin& origin);

// The complete layer commit for `diff_id`, or nullopt if there is none (or
// it is partial, or records another diff_id: then it is read again).
Result<std::optional<StoredLayer>> FindStoredLayer(const ObjectStore& store, const oci::Digest& diff_id);

// Whether the repository holds any layer ref (complete or not): if not,
// FindStoredLayer finds nothing for any diff_id.
Result<bool> HasLayerRefs(const ObjectStore& store);

// Rebuilds the LayerNode of a stored layer (its directories' listings only;
// no file is read).
Result<std::unique_ptr<LayerNode>> LoadLayerNode(const ObjectStore& store, const StoredLayer& layer);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_COMMIT_H_
