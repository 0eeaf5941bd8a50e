// An image index: OCI image index v1 or Docker manifest list, kept as the
// exact bytes it was parsed from. A layout's index.json is one too.
#ifndef OCITREE_OCI_INDEX_H_
#define OCITREE_OCI_INDEX_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "oci/descriptor.h"
#include "oci/digest.h"
#include "ocitree/status.h"

namespace ocitree::oci {

enum class IndexFormat { kOci, kDockerManifestList };

struct Index {
  Bytes raw;
  IndexFormat format = IndexFormat::kOci;
  std::string media_type;  // the top-level "mediaType"; "" when absent
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
  std::optional<Descriptor> subject;

  Digest digest() const { return Digest::Of(raw); }

  // Takes the bytes. schemaVersion must be 2, "manifests" an array (it may
  // be empty: a fresh layout's index.json) of at most kMaxEntries; a
  // manifest, Docker schema 1 or an unknown mediaType is refused.
  static Result<Index> Parse(Bytes bytes, std::string_view media_type_hint = "");
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_INDEX_H_
