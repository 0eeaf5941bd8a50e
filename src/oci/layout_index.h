// What an OCI image layout and an oci-archive have in common: the oci-layout
// header, index.json, the blob paths, and finding the image a tag names
// (FORMATS.md 5.1).
#ifndef OCITREE_OCI_LAYOUT_INDEX_H_
#define OCITREE_OCI_LAYOUT_INDEX_H_

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "oci/descriptor.h"
#include "oci/digest.h"
#include "oci/index.h"
#include "ocitree/status.h"

namespace ocitree::oci {

inline constexpr std::string_view kOciLayoutFile = "oci-layout";
inline constexpr std::string_view kIndexFile = "index.json";

// {"imageLayoutVersion": "1.0.0"}: any 1.x version is read (1.1 layouts
// still write 1.0.0); other majors are kUnsupported.
Status CheckLayoutHeader(ByteView bytes, std::string_view where);

// "blobs/sha256/<hex>".
std::string BlobPath(const Digest& digest);

// The index.json entry the reference names. With a tag: the first entry
// whose org.opencontainers.image.ref.name is the tag (as containers/image
// does), else kNotFound listing the tags. Without one: the only entry; an
// empty index is kNotFound, several are kInvalidArgument listing the tags
// (and untagged digests) to choose from.
Result<Descriptor> FindImageEntry(const Index& index, std::string_view tag, std::string_view where);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_LAYOUT_INDEX_H_
