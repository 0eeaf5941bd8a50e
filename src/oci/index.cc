#include "oci/index.h"

#include "oci/document_kind.h"
#include "oci/json_doc.h"
#include "oci/media_types.h"

namespace ocitree::oci {

namespace {

constexpr std::string_view kIndexWhere = "image index";

Result<Index> ParseIndex(Bytes bytes, std::string_view hint) {
  OCITREE_ASSIGN_OR_RETURN(Json doc, ParseJsonObject(bytes, kIndexWhere));
  OCITREE_ASSIGN_OR_RETURN(DocumentKind kind, DocumentKindFromJson(doc, hint, kIndexWhere));
  if (kind != DocumentKind::kIndex) {
    return Corrupt(std::string(kIndexWhere) + ": this is an image manifest, not an index");
  }
  OCITREE_RETURN_IF_ERROR(CheckSchemaVersion(doc, kIndexWhere));
  Index index;
  OCITREE_ASSIGN_OR_RETURN(index.media_type, GetString(doc, "mediaType", kIndexWhere, false));
  OCITREE_ASSIGN_OR_RETURN(const Json* manifests, GetArray(doc, "manifests", kIndexWhere, true));
  index.manifests.reserve(manifests->size());
  for (size_t i = 0; i < manifests->size(); i++) {
    std::string where = "image index entry " + std::to_string(i);
    OCITREE_ASSIGN_OR_RETURN(Descriptor entry, DescriptorFromJson((*manifests)[i], where));
    index.manifests.push_back(std::move(entry));
  }
  OCITREE_ASSIGN_OR_RETURN(index.annotations, GetStringMap(doc, "annotations", kIndexWhere));
  if (const Json* subject = FindMember(doc, "subject")) {
    OCITREE_ASSIGN_OR_RETURN(index.subject, DescriptorFromJson(*subject, "image index subject"));
  }
  std::string_view declared = !index.media_type.empty() ? std::string_view(index.media_type) : hint;
  index.format =
      declared == kDockerManifestListType ? IndexFormat::kDockerManifestList : IndexFormat::kOci;
  index.raw = std::move(bytes);
  return index;
}

}  // namespace

Result<Index> Index::Parse(Bytes bytes, std::string_view media_type_hint) {
  try {
    return ParseIndex(std::move(bytes), media_type_hint);
  } catch (const std::exception& e) {
    return Corrupt(std::string(kIndexWhere) + ": " + e.what());
  }
}

}  // namespace ocitree::oci
