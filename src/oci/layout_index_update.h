// Writing a layout's index.json (FORMATS.md 5.1): a fresh one, and an
// existing one with an image added under a tag. Shared by the layout and
// oci-archive destinations.
#ifndef OCITREE_OCI_LAYOUT_INDEX_UPDATE_H_
#define OCITREE_OCI_LAYOUT_INDEX_UPDATE_H_

#include <string_view>

#include "base/bytes.h"
#include "oci/descriptor.h"
#include "ocitree/status.h"

namespace ocitree::oci {

// {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}
Bytes EmptyLayoutIndex();

// `existing` (an index.json; empty means none) with `entry` added:
//   - with a tag: entry gets org.opencontainers.image.ref.name = tag, and
//     replaces every entry that had that tag. (containers/image keeps the
//     old image as an untagged entry instead; those pile up, and a layout
//     with several entries can no longer be read without a tag.)
//   - without a tag (as skopeo writes oci:DIR): entry has no ref.name;
//     other images stay.
//   - either way an untagged entry with the same digest is replaced (it
//     would be a duplicate), and entries with other tags stay as they are.
// The new entry takes the place of the first one it replaces, else goes
// last. Everything else in the document is kept as it was (member order
// included); new entries are written mediaType, digest, size, then the
// descriptor's urls, annotations (ref.name overriding), platform,
// artifactType. An `existing` that is not a valid image index is kCorrupt:
// it is not ours to overwrite.
Result<Bytes> AddToLayoutIndex(ByteView existing, const Descriptor& entry, std::string_view tag);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_LAYOUT_INDEX_UPDATE_H_
