#include "oci/document_kind.h"

#include <string>

#include "oci/json_doc.h"
#include "oci/media_types.h"

namespace ocitree::oci {

namespace {

Status Schema1(std::string_view where) {
  return Unsupported(std::string(where) +
                     ": Docker image manifest schema 1 is not supported; convert the image "
                     "(e.g. skopeo copy --format v2s2) or use a newer tag");
}

}  // namespace

Status CheckSchemaVersion(const nlohmann::json& doc, std::string_view where) {
  OCITREE_ASSIGN_OR_RETURN(uint64_t version, GetUnsigned(doc, "schemaVersion", where));
  if (version == 1) return Schema1(where);
  if (version != 2) {
    return Unsupported(std::string(where) + ": schemaVersion " + std::to_string(version) +
                       " is not supported (only 2)");
  }
  return {};
}

Result<DocumentKind> DocumentKindFromJson(const nlohmann::json& doc, std::string_view media_type_hint,
                                          std::string_view where) {
  OCITREE_ASSIGN_OR_RETURN(std::string media_type, GetString(doc, "mediaType", where, false));
  if (!media_type.empty()) {
    if (IsDockerSchema1Type(media_type)) return Schema1(where);
    if (IsManifestType(media_type)) return DocumentKind::kManifest;
    if (IsIndexType(media_type)) return DocumentKind::kIndex;
    return Unsupported(std::string(where) + ": media type '" + media_type.substr(0, 100) +
                       "' is neither an image manifest nor an image index");
  }
  if (IsDockerSchema1Type(media_type_hint)) return Schema1(where);
  // The descriptor that led here names what it points to; something that is
  // neither a manifest nor an index (an artifact, a typo) is not pulled.
  if (!media_type_hint.empty() && !IsManifestType(media_type_hint) && !IsIndexType(media_type_hint)) {
    return Unsupported(std::string(where) + ": its descriptor's media type '" +
                       std::string(media_type_hint.substr(0, 100)) + "' is neither an image manifest nor an image index");
  }
  const Json* version = FindMember(doc, "schemaVersion");
  if (version != nullptr && version->is_number_unsigned() && version->get<uint64_t>() == 1) {
    return Schema1(where);
  }
  bool has_manifests = FindMember(doc, "manifests") != nullptr;
  bool has_image = FindMember(doc, "config") != nullptr || FindMember(doc, "layers") != nullptr;
  if (has_manifests && has_image) {
    return Corrupt(std::string(where) +
                   ": has both \"manifests\" and \"config\"/\"layers\"; neither a manifest nor an index");
  }
  if (has_manifests) return DocumentKind::kIndex;
  if (has_image) return DocumentKind::kManifest;
  return Corrupt(std::string(where) + ": neither an image manifest nor an image index");
}

Result<DocumentKind> DetectDocumentKind(ByteView bytes, std::string_view media_type_hint) {
  try {
    OCITREE_ASSIGN_OR_RETURN(Json doc, ParseJsonObject(bytes, "image document"));
    return DocumentKindFromJson(doc, media_type_hint, "image document");
  } catch (const std::exception& e) {
    return Corrupt(std::string("image document: ") + e.what());
  }
}

}  // namespace ocitree::oci
