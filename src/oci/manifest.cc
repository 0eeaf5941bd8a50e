#include "oci/manifest.h"

#include "oci/document_kind.h"
#include "oci/json_doc.h"
#include "oci/media_types.h"

namespace ocitree::oci {

namespace {

constexpr std::string_view kManifestWhere = "image manifest";

Result<Manifest> ParseManifest(Bytes bytes, std::string_view hint) {
  OCITREE_ASSIGN_OR_RETURN(Json doc, ParseJsonObject(bytes, kManifestWhere));
  OCITREE_ASSIGN_OR_RETURN(DocumentKind kind, DocumentKindFromJson(doc, hint, kManifestWhere));
  if (kind != DocumentKind::kManifest) {
    return Corrupt(std::string(kManifestWhere) + ": this is an image index, not a manifest");
  }
  OCITREE_RETURN_IF_ERROR(CheckSchemaVersion(doc, kManifestWhere));
  Manifest m;
  OCITREE_ASSIGN_OR_RETURN(m.media_type, GetString(doc, "mediaType", kManifestWhere, false));
  OCITREE_ASSIGN_OR_RETURN(const Json* config, GetObject(doc, "config", kManifestWhere, true));
  OCITREE_ASSIGN_OR_RETURN(m.config, DescriptorFromJson(*config, "image manifest config"));
  OCITREE_ASSIGN_OR_RETURN(const Json* layers, GetArray(doc, "layers", kManifestWhere, true));
  m.layers.reserve(layers->size());
  for (size_t i = 0; i < layers->size(); i++) {
    std::string where = "image manifest layer " + std::to_string(i);
    OCITREE_ASSIGN_OR_RETURN(Descriptor layer, DescriptorFromJson((*layers)[i], where));
    m.layers.push_back(std::move(layer));
  }
  OCITREE_ASSIGN_OR_RETURN(m.annotations, GetStringMap(doc, "annotations", kManifestWhere));
  OCITREE_ASSIGN_OR_RETURN(m.artifact_type, GetString(doc, "artifactType", kManifestWhere, false));
  if (const Json* subject = FindMember(doc, "subject")) {
    OCITREE_ASSIGN_OR_RETURN(m.subject, DescriptorFromJson(*subject, "image manifest subject"));
  }
  std::string_view declared = !m.media_type.empty() ? std::string_view(m.media_type) : hint;
  bool docker = declared == kDockerManifestType ||
                (declared != kOciManifestType && m.config.media_type == kDockerConfigType);
  m.format = docker ? ManifestFormat::kDockerV2Schema2 : ManifestFormat::kOci;
  m.raw = std::move(bytes);
  return m;
}

}  // namespace

Result<Manifest> Manifest::Parse(Bytes bytes, std::string_view media_type_hint) {
  try {
    return ParseManifest(std::move(bytes), media_type_hint);
  } catch (const std::exception& e) {
    return Corrupt(std::string(kManifestWhere) + ": " + e.what());
  }
}

}  // namespace ocitree::oci
