// Export: any commit written as an ordinary OCI image that ocitree pulls
// back into the identical commit (DESIGN.md 5).
//
//   - Layers: the commit's tree as deterministic tars (tree_tar.h), split
//     over up to `max_layers` layers by path (layer_split.h), compressed
//     with fixed settings (gzip: ISA-L level 1, zstd: level 3, or none).
//   - Config: os/architecture from the commit's ostree.architecture (or
//     `platform`, or this machine), created = the commit's timestamp,
//     rootfs diff_ids, one history entry per layer, and the labels of
//     carried_commit.h (the commit object and detached metadata).
//   - Manifest: OCI, with the ostree.commit annotation.
// Everything is a function of the commit and the options, so the same
// commit always gives byte-identical blobs and manifest. Content streams from
// the objects through the tar writer and compressor into the destination: no
// temporary tarball.
#ifndef OCITREE_BRIDGE_COMMIT_EXPORT_H_
#define OCITREE_BRIDGE_COMMIT_EXPORT_H_

#include "oci/image_destination.h"
#include "ocitree/push.h"
#include "repo/object_store.h"

namespace ocitree {

struct ExportSettings {
  // Compute each layer's digest first (compressing it without storing) and
  // skip it when the destination has it; then stream it with its digest
  // known. For registries, whose uploads cannot be taken back; a local
  // layout is written in one pass.
  bool digest_first = false;
};

Result<PushResult> ExportCommit(const ObjectStore& store, const Checksum& commit, oci::ImageDestination& dest,
                                const PushOptions& options, const ExportSettings& settings = {});

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_COMMIT_EXPORT_H_
