// One layer blob into the repository: the streaming half of a pull. The
// blob's bytes flow once through digest and size checks, decompression, the
// diff_id hash, the tar reader and the content writer; what comes out is the
// layer as a LayerNode (not yet applied to anything), so several layers of
// one image can be read at the same time.
#ifndef OCITREE_BRIDGE_LAYER_IMPORT_H_
#define OCITREE_BRIDGE_LAYER_IMPORT_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bridge/layer_reader.h"
#include "bridge/layer_tree.h"
#include "bridge/partial_download.h"
#include "oci/descriptor.h"
#include "oci/digest.h"
#include "oci/image_source.h"
#include "ocitree/hooks.h"
#include "repo/transaction.h"

namespace ocitree {

struct LayerRead {
  std::unique_ptr<LayerNode> node;
  UniqueFd recipe_file;                  // with_recipe only: an unnamed file, read from offset 0
  uint64_t recipe_size = 0;
  std::vector<Checksum> recipe_extras;   // content the recipe needs beyond the tree
  LayerStats stats;
  std::map<Checksum, std::string> symlinks;  // targets of the symlinks stored
  uint64_t blob_bytes = 0;               // compressed bytes read
};

struct LayerReadOptions {
  const ImportHooks* hooks = nullptr;
  bool with_recipe = false;
  // Called with the number of compressed bytes just read (from the reading
  // thread).
  std::function<void(uint64_t)> on_bytes;
  // Set by another thread to stop this read early (it fails with kCancelled).
  const std::atomic<bool>* cancel = nullptr;
  // For remote sources: the blob is read through here, so an interrupted
  // pull resumes where it stopped.
  PartialDownloads* downloads = nullptr;
};

Result<LayerRead> ReadLayerBlob(Transaction& txn, oci::ImageSource& source, const oci::Descriptor& desc,
                                const oci::Digest& diff_id, const LayerReadOptions& options);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_IMPORT_H_
