// The OCI content descriptor: what a manifest or index says about a blob it
// points to (image-spec descriptor.md, FORMATS.md 5.2).
#ifndef OCITREE_OCI_DESCRIPTOR_H_
#define OCITREE_OCI_DESCRIPTOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/bytes.h"
#include "oci/digest.h"
#include "oci/platform.h"
#include "ocitree/status.h"

namespace ocitree::oci {

struct Descriptor {
  std::string media_type;
  Digest digest;
  // Bytes of the blob as stored; what every read is checked against.
  uint64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;  // index entries
  std::string artifact_type;

  // The annotation's value, or "" (empty and absent are the same, 5.7).
  std::string Annotation(std::string_view key) const;

  // A standalone descriptor document (application/vnd.oci.descriptor.v1+json).
  static Result<Descriptor> Parse(ByteView bytes);
};

// One descriptor object inside a parsed document (internal to src/oci).
// Required: mediaType (non-empty type/subtype), digest (sha256 only: other
// algorithms are kUnsupported), size (an integer in 0..2^64-1). The
// embedded "data" field is ignored: blobs are always read and verified.
Result<Descriptor> DescriptorFromJson(const nlohmann::json& obj, std::string_view where);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_DESCRIPTOR_H_
