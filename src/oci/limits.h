// Bounds on what an image may make us hold in memory or walk. Manifests,
// indexes and configs come from untrusted places (registries, tarballs), so
// every size and count they control is capped before it is trusted.
#ifndef OCITREE_OCI_LIMITS_H_
#define OCITREE_OCI_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace ocitree::oci {

// Largest manifest, index, config or index.json read into memory. Real
// configs with long histories stay well under 100 KiB; containers/image caps
// manifests at 4 MiB too, so anything it accepts, we accept.
inline constexpr size_t kMaxJsonSize = size_t{4} << 20;

// Deepest array/object nesting accepted in a JSON document. Image documents
// nest about 5 levels; the cap keeps hostile input from costing recursion.
inline constexpr int kMaxJsonDepth = 64;

// Most layers in a manifest, manifests in an index, diff_ids or history
// entries in a config. Overlay filesystems stop far below this (~500).
inline constexpr size_t kMaxEntries = 10000;

// How many index -> index hops resolution follows before giving up (loops).
inline constexpr int kMaxIndexDepth = 4;

// Most members an oci-archive may list; bounds the member table's memory.
inline constexpr size_t kMaxArchiveMembers = 100000;

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_LIMITS_H_
