// Reconstruct: a pulled image (layered storage) written out as it was. The
// config goes out byte for byte; each layer tar is rebuilt from its recipe
// and content objects (so it has its diff_id again) and compressed as its
// media type says. The compressed bytes need not match the original blob
// (another gzip, another level): then the manifest is rewritten with the
// new layer digests and sizes, everything else in it kept.
#ifndef OCITREE_BRIDGE_RECONSTRUCT_H_
#define OCITREE_BRIDGE_RECONSTRUCT_H_

#include "oci/image_destination.h"
#include "ocitree/push.h"
#include "repo/object_store.h"

namespace ocitree {

Result<PushResult> ReconstructImage(const ObjectStore& store, const Checksum& commit, oci::ImageDestination& dest,
                                    const PushOptions& options);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_RECONSTRUCT_H_
