// An image manifest: OCI image manifest v1 or Docker v2 schema 2, kept as
// the exact bytes it was parsed from (its digest is over those bytes, so it
// is never re-serialised).
#ifndef OCITREE_OCI_MANIFEST_H_
#define OCITREE_OCI_MANIFEST_H_

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

enum class ManifestFormat { kOci, kDockerV2Schema2 };

struct Manifest {
  Bytes raw;
  ManifestFormat format = ManifestFormat::kOci;
  std::string media_type;  // the top-level "mediaType"; "" when absent
  Descriptor config;
  std::vector<Descriptor> layers;  // base first
  std::map<std::string, std::string> annotations;
  std::optional<Descriptor> subject;
  std::string artifact_type;

  Digest digest() const { return Digest::Of(raw); }

  // Takes the bytes. schemaVersion must be 2; an index, Docker schema 1 or an
  // unknown top-level mediaType is refused (document_kind.h); at most
  // kMaxEntries layers. The format is the mediaType's, else the hint's
  // (descriptor / Content-Type), else Docker when the config is a Docker
  // config, else OCI. Layer media types are not judged here: a manifest is a
  // manifest whatever it carries; ClassifyLayer says what can be imported.
  static Result<Manifest> Parse(Bytes bytes, std::string_view media_type_hint = "");
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_MANIFEST_H_
