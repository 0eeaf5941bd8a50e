#include "bridge/reconstruct.h"

#include <nlohmann/json.hpp>

#include "bridge/image_metadata.h"
#include "bridge/push_progress_sink.h"
#include "bridge/recipe_commit.h"
#include "compress/compressor.h"
#include "oci/manifest.h"
#include "oci/media_types.h"

namespace ocitree {

namespace {

Result<oci::WrittenBlob> WriteLayer(const ObjectStore& store, const oci::Digest& diff_id, const oci::Descriptor& original,
                                    Compression compression, oci::ImageDestination& dest, const PushOptions& options,
                                    PushProgress& progress) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<oci::BlobWriter> blob, dest.StartBlob(original.media_type));
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<Compressor> compressor, NewCompressor(compression, *blob));
  PushProgressSink counted(*compressor, options, progress);
  OCITREE_RETURN_IF_ERROR(RebuildLayerTar(store, diff_id, counted));
  OCITREE_RETURN_IF_ERROR(compressor->Finish());
  return blob->Commit();
}

// The original manifest with new digests and sizes for the layers whose
// blobs changed; every other member kept, in its order.
Result<Bytes> RewriteManifest(const std::string& original, const std::vector<PushedLayer>& layers) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(original, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("layers") || !doc["layers"].is_array() ||
      doc["layers"].size() != layers.size())
    return Corrupt("the stored manifest does not parse as it did when it was pulled");
  for (size_t i = 0; i < layers.size(); i++) {
    doc["layers"][i]["digest"] = layers[i].digest;
    doc["layers"][i]["size"] = layers[i].size;
  }
  std::string text = doc.dump();
  return Bytes(text.begin(), text.end());
}

std::string ManifestMediaType(const oci::Manifest& manifest) {
  if (!manifest.media_type.empty()) return manifest.media_type;
  return std::string(manifest.format == oci::ManifestFormat::kDockerV2Schema2 ? oci::kDockerManifestType
                                                                               : oci::kOciManifestType);
}

}  // namespace

Result<PushResult> ReconstructImage(const ObjectStore& store, const Checksum& commit_c, oci::ImageDestination& dest,
                                    const PushOptions& options) {
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(commit_c));
  ImageRecord record;
  OCITREE_ASSIGN_OR_RETURN(bool is_image, ReadImageRecord(commit, &record));
  if (!is_image) return InvalidArgument("commit " + commit_c.Hex() + " is not a pulled image: nothing to reconstruct");
  if (record.storage != "layered")
    return Unsupported("the image was pulled with " + record.storage +
                       " storage, which keeps no layers: pull it again with --storage layered to reconstruct it");
  Bytes manifest_bytes(record.manifest.begin(), record.manifest.end());
  OCITREE_ASSIGN_OR_RETURN(oci::Manifest manifest, oci::Manifest::Parse(manifest_bytes));
  if (manifest.digest().ToString() != record.manifest_digest)
    return Corrupt("stored manifest does not have the recorded digest " + record.manifest_digest);
  if (manifest.layers.size() != record.diff_ids.size())
    return Corrupt("stored manifest lists " + std::to_string(manifest.layers.size()) + " layers but the image has " +
                   std::to_string(record.diff_ids.size()) + " diff_ids");

  PushResult result;
  PushProgress progress;
  progress.layers = manifest.layers.size();
  bool identical = true;
  for (size_t i = 0; i < manifest.layers.size(); i++) {
    const oci::Descriptor& original = manifest.layers[i];
    OCITREE_ASSIGN_OR_RETURN(oci::Digest diff_id, oci::Digest::Parse(record.diff_ids[i]));
    OCITREE_ASSIGN_OR_RETURN(oci::LayerType type, oci::ClassifyLayer(original.media_type));
    progress.layer = i + 1;
    progress.layer_bytes = 0;
    PushedLayer layer;
    layer.diff_id = diff_id.ToString();
    layer.media_type = original.media_type;
    layer.original_digest = original.digest.ToString();
    OCITREE_ASSIGN_OR_RETURN(bool has, dest.HasBlob(original.digest, original.size));
    if (has && type.compression == Compression::kNone) {
      // An uncompressed blob is its tar: the destination has exactly it.
      layer.digest = layer.original_digest;
      layer.size = original.size;
      layer.existed = true;
    } else {
      auto written = WriteLayer(store, diff_id, original, type.compression, dest, options, progress);
      if (!written.ok())
        return written.status().WithContext("layer " + std::to_string(i + 1) + " (" + diff_id.ToString() + ")");
      layer.digest = written->descriptor.digest.ToString();
      layer.size = written->descriptor.size;
      layer.existed = written->existed;
    }
    if (layer.digest != layer.original_digest || layer.size != original.size) identical = false;
    result.layers.push_back(layer);
  }

  Bytes config(record.config.begin(), record.config.end());
  auto config_blob = dest.PutBlob(manifest.config.media_type, config, {manifest.config.digest, manifest.config.size});
  if (!config_blob.ok()) return config_blob.status().WithContext("stored config");
  result.config_digest = config_blob->descriptor.digest.ToString();

  Bytes out_manifest = manifest_bytes;
  if (!identical) {
    OCITREE_ASSIGN_OR_RETURN(out_manifest, RewriteManifest(record.manifest, result.layers));
  }
  oci::Descriptor desc;
  desc.media_type = ManifestMediaType(manifest);
  desc.digest = oci::Digest::Of(out_manifest);
  desc.size = out_manifest.size();
  OCITREE_RETURN_IF_ERROR(dest.PutManifest(desc, out_manifest));
  OCITREE_RETURN_IF_ERROR(dest.Commit(desc));
  result.manifest_digest = desc.digest.ToString();
  result.manifest_identical = identical;
  return result;
}

}  // namespace ocitree
