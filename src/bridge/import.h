// Import: an OCI image into one commit (flattened storage). Every layer is
// streamed once: blob digest and size, decompression, diff_id, tar parsing
// and object writing happen in one pass, and the layer trees are merged in
// memory; the branch moves only after everything is durable.
#ifndef OCITREE_BRIDGE_IMPORT_H_
#define OCITREE_BRIDGE_IMPORT_H_

#include "ocitree/image.h"
#include "oci/image_source.h"
#include "oci/resolve.h"
#include "repo/object_store.h"

namespace ocitree {

Result<PullResult> ImportImage(ObjectStore& store, const oci::ImageReference& reference, oci::ImageSource& source,
                               const PullOptions& options);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_IMPORT_H_
