#include "oci/resolve.h"

#include <string>

#include "base/log.h"
#include "oci/document_kind.h"
#include "oci/index.h"
#include "oci/limits.h"
#include "oci/platform_match.h"

namespace ocitree::oci {

namespace {

// Follows indexes down to a manifest; fills manifest_desc, manifest_bytes
// and index_bytes.
Status FindManifest(ImageSource& source, const Platform& wanted, ResolvedImage* out) {
  OCITREE_ASSIGN_OR_RETURN(auto top, source.GetTopLevel());
  Descriptor desc = std::move(top.first);
  Bytes bytes = std::move(top.second);
  for (int depth = 0;; depth++) {
    OCITREE_ASSIGN_OR_RETURN(DocumentKind kind, DetectDocumentKind(bytes, desc.media_type));
    if (kind == DocumentKind::kManifest) break;
    if (depth >= kMaxIndexDepth) {
      return Unsupported("image indexes nested more than " + std::to_string(kMaxIndexDepth) +
                         " deep (a loop?)");
    }
    std::string where = "index " + desc.digest.ToString();
    Result<Index> index = Index::Parse(std::move(bytes), desc.media_type);
    if (!index.ok()) return index.status().WithContext(where);
    Result<Descriptor> chosen = SelectManifest(*index, wanted);
    if (!chosen.ok()) return chosen.status().WithContext(where);
    if (!out->index_bytes) out->index_bytes = std::move(index->raw);
    OCITREE_ASSIGN_OR_RETURN(bytes, source.ReadSmallBlob(*chosen));
    desc = std::move(*chosen);
  }
  out->manifest_desc = std::move(desc);
  out->manifest_bytes = std::move(bytes);
  return {};
}

Status CheckImageManifest(const Manifest& m, ResolvedImage* out) {
  if (!IsImageConfigType(m.config.media_type)) {
    return Unsupported("not a container image: the config media type is '" + m.config.media_type +
                       "' (an OCI artifact?)");
  }
  for (size_t i = 0; i < m.layers.size(); i++) {
    Result<LayerType> type = ClassifyLayer(m.layers[i].media_type);
    if (!type.ok()) return type.status().WithContext("layer " + std::to_string(i));
    out->layer_types.push_back(*type);
  }
  return {};
}

Status Resolve(ImageSource& source, const Platform& wanted,
               const std::function<void(const ResolvedImage&)>& before_config, ResolvedImage* out) {
  OCITREE_RETURN_IF_ERROR(FindManifest(source, wanted, out));
  std::string where = "manifest " + out->manifest_desc.digest.ToString();
  Result<Manifest> manifest = Manifest::Parse(out->manifest_bytes, out->manifest_desc.media_type);
  if (!manifest.ok()) return manifest.status().WithContext(where);
  out->manifest = std::move(*manifest);
  OCITREE_RETURN_IF_ERROR(CheckImageManifest(out->manifest, out).WithContext(where));
  if (before_config) before_config(*out);
  const Descriptor& config_desc = out->manifest.config;
  OCITREE_ASSIGN_OR_RETURN(out->config_bytes, source.ReadSmallBlob(config_desc));
  Result<ImageConfig> config = ImageConfig::Parse(out->config_bytes);
  if (!config.ok()) return config.status().WithContext("config " + config_desc.digest.ToString());
  out->config = std::move(*config);
  if (out->config.diff_ids.size() != out->manifest.layers.size()) {
    return Corrupt(where + ": " + std::to_string(out->manifest.layers.size()) + " layers but the config lists " +
                   std::to_string(out->config.diff_ids.size()) + " diff_ids");
  }
  const ImageConfig& c = out->config;
  if (!out->index_bytes && (c.os != wanted.os || c.architecture != wanted.architecture)) {
    LogWarning(source.Describe() + ": the image is for " + c.platform().ToString() + ", not " +
               wanted.ToString());
  }
  return {};
}

}  // namespace

Result<ResolvedImage> ResolveImage(ImageSource& source, const Platform& wanted,
                                   const std::function<void(const ResolvedImage&)>& before_config) {
  ResolvedImage out;
  Status status = Resolve(source, wanted, before_config, &out);
  if (!status.ok()) return status.WithContext(source.Describe());
  return out;
}

}  // namespace ocitree::oci
