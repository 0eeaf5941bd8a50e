// The rule that spreads an exported tree over several layers
// (`push --max-layers N`), chosen so that a small change to the tree changes
// few layer digests:
//
//   - every path (relative to the root, no leading '/') belongs to layer
//     bucket   big-endian u64 of the first 8 bytes of SHA-256(path)  mod N;
//     the root directory belongs to bucket 0;
//   - a bucket's layer holds the entries of that bucket, plus every
//     directory above them (with its own metadata), so each layer stands on
//     its own and is ordered like any other;
//   - buckets with no entry of their own give no layer; the others are
//     written in bucket order.
//
// A file's bucket depends on its path alone, not on the rest of the tree:
// changing, adding or removing one file changes exactly one layer. A
// directory is listed in its own bucket as well as above its entries, so
// when its last file goes it stays in the image and no other layer changes.
// Changing a directory's metadata changes every layer that lists it.
#ifndef OCITREE_BRIDGE_LAYER_SPLIT_H_
#define OCITREE_BRIDGE_LAYER_SPLIT_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/checksum.h"
#include "repo/object_store.h"

namespace ocitree {

// The bucket of `path` ("" is the root) among `buckets` (at least 1).
size_t LayerBucketOfPath(std::string_view path, size_t buckets);

// How many tree entries (directories, files, symlinks; the root counted in
// bucket 0) fall into each bucket. Reads the dirtree objects only.
Result<std::vector<uint64_t>> CountEntriesPerBucket(const TreeSource& source, const Checksum& root_tree,
                                                    size_t buckets);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_SPLIT_H_
