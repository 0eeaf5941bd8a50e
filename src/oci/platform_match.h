// Choosing an index entry for a platform, as containers/image does
// (FORMATS.md 5.5, internal/pkg/platform/platform_matcher.go):
//
// The wanted platform expands to candidates tried in order; for each
// candidate the first index entry with the same os, architecture and variant
// wins. With a variant: that variant, the less capable ones of its
// architecture (arm: v8 > v7 > v6 > v5, arm64: v8, amd64: v4 > v3 > v2),
// then no variant. Without one: no variant first, then every known variant
// of the architecture (none for amd64). amd64 "v1" is the same as no
// variant. os.version and os.features are ignored. Entries without a
// platform never match.
#ifndef OCITREE_OCI_PLATFORM_MATCH_H_
#define OCITREE_OCI_PLATFORM_MATCH_H_

#include <vector>

#include "oci/descriptor.h"
#include "oci/index.h"
#include "oci/platform.h"
#include "ocitree/status.h"

namespace ocitree::oci {

std::vector<Platform> CandidatePlatforms(const Platform& wanted);

// The entry for `wanted`, or kNotFound listing the platforms the index has.
Result<Descriptor> SelectManifest(const Index& index, const Platform& wanted);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_PLATFORM_MATCH_H_
