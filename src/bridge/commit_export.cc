#include "bridge/commit_export.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "base/hashing_sink.h"
#include "base/time_format.h"
#include "bridge/carried_commit.h"
#include "bridge/image_metadata.h"
#include "bridge/layer_split.h"
#include "bridge/push_progress_sink.h"
#include "bridge/tree_tar.h"
#include "compress/compressor.h"
#include "gvariant/view.h"
#include "oci/media_types.h"
#include "oci/platform.h"

namespace ocitree {

namespace {

using OrderedJson = nlohmann::ordered_json;

struct LayerOut {
  oci::Descriptor blob;
  Checksum diff_id;
  uint64_t tar_size = 0;
  TreeTarStats stats;
  bool existed = false;
};

Compression ToCompression(PushCompression c) {
  switch (c) {
    case PushCompression::kZstd: return Compression::kZstd;
    case PushCompression::kNone: return Compression::kNone;
    default: return Compression::kGzip;
  }
}

std::string_view LayerMediaType(PushCompression c) {
  switch (c) {
    case PushCompression::kZstd: return oci::kOciLayerZstd;
    case PushCompression::kNone: return oci::kOciLayerTar;
    default: return oci::kOciLayerGzip;
  }
}

// The string value of a commit metadata key, or "".
std::string MetadataString(const CommitObject& commit, const char* key) {
  auto meta = gvariant::View::Parse("a{sv}", commit.metadata, false);
  if (!meta.ok()) return "";
  gvariant::View v;
  if (!gvariant::LookupVariant(*meta, key, &v) || v.type() != "s") return "";
  return std::string(v.GetString());
}

Result<oci::Platform> ExportPlatform(const CommitObject& commit, const PushOptions& options) {
  if (!options.platform.empty()) return oci::ParsePlatform(options.platform);
  std::string arch = MetadataString(commit, kMetaArchitecture);
  oci::Platform p = oci::HostPlatform();
  if (!arch.empty()) {
    oci::GoArch go = oci::OstreeArchToGoArch(arch);
    p.os = "linux";
    p.architecture = go.architecture;
    p.variant = go.variant;
  }
  p.os_version.clear();
  return p;
}

class Exporter {
 public:
  Exporter(const ObjectStore& store, const CommitObject& commit, const PushOptions& options)
      : store_(store), commit_(commit), options_(options) {}

  // Streams bucket `bucket`'s tar into `sink`; returns the diff_id.
  Status WriteTar(size_t bucket, ByteSink& out, LayerOut* layer) {
    HashingSink diff(&out);
    PushProgressSink counted(diff, options_, progress_);
    tar::TarWriter tar(counted);
    TreeTarOptions o;
    const size_t n = options_.max_layers;
    o.include = [bucket, n](std::string_view path) { return LayerBucketOfPath(path, n) == bucket; };
    o.on_entry = [this] { progress_.entries++; };
    layer->stats = TreeTarStats();
    OCITREE_RETURN_IF_ERROR(WriteTreeTar(store_, commit_.root_tree, commit_.root_meta, o, tar, &layer->stats));
    layer->diff_id = diff.Finish();
    layer->tar_size = diff.bytes();
    return {};
  }

  // The compressed stream of one bucket into `out`.
  Status WriteBlob(size_t bucket, ByteSink& out, LayerOut* layer) {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<Compressor> compressor,
                             NewCompressor(ToCompression(options_.compression), out));
    OCITREE_RETURN_IF_ERROR(WriteTar(bucket, *compressor, layer));
    return compressor->Finish();
  }

  Result<LayerOut> WriteLayer(size_t bucket, oci::ImageDestination& dest, const ExportSettings& settings) {
    LayerOut layer;
    std::string media_type(LayerMediaType(options_.compression));
    oci::BlobExpectation expected;
    uint64_t entries_before = progress_.entries;
    if (settings.digest_first) {
      HashingSink digest(nullptr);
      progress_.digest_pass = true;
      progress_.layer_bytes = 0;
      OCITREE_RETURN_IF_ERROR(WriteBlob(bucket, digest, &layer));
      progress_.digest_pass = false;
      layer.blob.media_type = media_type;
      layer.blob.digest = oci::Digest(digest.Finish());
      layer.blob.size = digest.bytes();
      OCITREE_ASSIGN_OR_RETURN(bool has, dest.HasBlob(layer.blob.digest, layer.blob.size));
      if (has) {
        layer.existed = true;
        return layer;
      }
      expected.digest = layer.blob.digest;
      expected.size = layer.blob.size;
      progress_.entries = entries_before;
    }
    progress_.layer_bytes = 0;
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<oci::BlobWriter> blob, dest.StartBlob(media_type, expected));
    OCITREE_RETURN_IF_ERROR(WriteBlob(bucket, *blob, &layer));
    OCITREE_ASSIGN_OR_RETURN(oci::WrittenBlob written, blob->Commit());
    layer.blob = written.descriptor;
    layer.existed = written.existed;
    return layer;
  }

  PushProgress progress_;

 private:
  const ObjectStore& store_;
  const CommitObject& commit_;
  const PushOptions& options_;
};

OrderedJson DescriptorJson(const oci::Descriptor& d) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.ToString();
  j["size"] = d.size;
  return j;
}

std::string BuildConfig(const CommitObject& commit, const Checksum& checksum, const oci::Platform& platform,
                        const std::vector<LayerOut>& layers, const std::vector<size_t>& buckets, size_t max_layers,
                        const std::map<std::string, std::string>& labels) {
  const std::string created = FormatRfc3339(commit.timestamp);
  OrderedJson config;
  config["created"] = created;
  config["architecture"] = platform.architecture;
  if (!platform.variant.empty()) config["variant"] = platform.variant;
  config["os"] = platform.os;
  OrderedJson label_json = OrderedJson::object();
  for (const auto& [k, v] : labels) label_json[k] = v;  // std::map: sorted keys
  config["config"] = {{"Labels", label_json}};
  OrderedJson diff_ids = OrderedJson::array();
  for (const LayerOut& l : layers) diff_ids.push_back("sha256:" + l.diff_id.Hex());
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  OrderedJson history = OrderedJson::array();
  for (size_t i = 0; i < layers.size(); i++) {
    OrderedJson h;
    h["created"] = created;
    h["created_by"] = "ocitree push";
    h["comment"] = max_layers == 1 ? "ostree commit " + checksum.Hex()
                                   : "ostree commit " + checksum.Hex() + ": paths in layer bucket " +
                                         std::to_string(buckets[i]) + " of " + std::to_string(max_layers);
    history.push_back(h);
  }
  config["history"] = history;
  return config.dump();
}

std::string BuildManifest(const oci::Descriptor& config, const std::vector<LayerOut>& layers, const Checksum& checksum) {
  OrderedJson m;
  m["schemaVersion"] = 2;
  m["mediaType"] = std::string(oci::kOciManifestType);
  m["config"] = DescriptorJson(config);
  OrderedJson arr = OrderedJson::array();
  for (const LayerOut& l : layers) arr.push_back(DescriptorJson(l.blob));
  m["layers"] = arr;
  m["annotations"] = {{kLabelOstreeCommit, checksum.Hex()}};
  return m.dump();
}

}  // namespace

Result<PushResult> ExportCommit(const ObjectStore& store, const Checksum& checksum, oci::ImageDestination& dest,
                                const PushOptions& options, const ExportSettings& settings) {
  if (options.max_layers < 1 || options.max_layers > kMaxPushLayers)
    return InvalidArgument("--max-layers must be between 1 and " + std::to_string(kMaxPushLayers) + ", not " +
                           std::to_string(options.max_layers));
  OCITREE_ASSIGN_OR_RETURN(Bytes object, store.ReadMetadataBytes(ObjectType::kCommit, checksum));
  if (Sha256::Of(object) != checksum) return Corrupt("commit object " + checksum.Hex() + " does not match its checksum");
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, ParseCommit(object));
  if (store.IsCommitPartial(checksum))
    return InvalidArgument("commit " + checksum.Hex() + " is partial (not all of its objects are in the repository)");
  std::optional<Bytes> detached;
  auto meta = store.ReadMetadataBytes(ObjectType::kCommitMeta, checksum);
  if (meta.ok()) {
    detached = std::move(*meta);
  } else if (meta.status().code() != ErrorCode::kNotFound) {
    return meta.status().WithContext("detached metadata of " + checksum.Hex());
  }
  OCITREE_ASSIGN_OR_RETURN(oci::Platform platform, ExportPlatform(commit, options));

  const size_t n = options.max_layers;
  OCITREE_ASSIGN_OR_RETURN(std::vector<uint64_t> counts, CountEntriesPerBucket(store, commit.root_tree, n));
  std::vector<size_t> buckets;
  Exporter exporter(store, commit, options);
  for (size_t b = 0; b < n; b++) {
    if (counts[b] > 0) buckets.push_back(b);
    exporter.progress_.total_entries += counts[b];
  }
  exporter.progress_.layers = buckets.size();

  PushResult result;
  result.commit = checksum.Hex();
  result.platform = platform.ToString();
  std::vector<LayerOut> layers;
  for (size_t i = 0; i < buckets.size(); i++) {
    exporter.progress_.layer = i + 1;
    auto layer = exporter.WriteLayer(buckets[i], dest, settings);
    if (!layer.ok()) return layer.status().WithContext("layer " + std::to_string(i + 1) + " of " +
                                                       std::to_string(buckets.size()));
    for (const std::string& w : layer->stats.warnings)
      if (std::find(result.warnings.begin(), result.warnings.end(), w) == result.warnings.end())
        result.warnings.push_back(w);
    PushedLayer pushed;
    pushed.diff_id = "sha256:" + layer->diff_id.Hex();
    pushed.media_type = layer->blob.media_type;
    pushed.digest = layer->blob.digest.ToString();
    pushed.size = layer->blob.size;
    pushed.existed = layer->existed;
    pushed.tar_size = layer->tar_size;
    pushed.entries = layer->stats.entries;
    result.layers.push_back(pushed);
    layers.push_back(std::move(*layer));
  }

  std::map<std::string, std::string> labels = CarriedCommitLabels(checksum, object, detached);
  if (std::string version = MetadataString(commit, "version"); !version.empty()) labels["version"] = version;
  std::string config = BuildConfig(commit, checksum, platform, layers, buckets, n, labels);
  OCITREE_ASSIGN_OR_RETURN(oci::WrittenBlob config_blob, dest.PutBlob(std::string(oci::kOciConfigType), AsBytes(config)));
  result.config_digest = config_blob.descriptor.digest.ToString();

  std::string manifest = BuildManifest(config_blob.descriptor, layers, checksum);
  oci::Descriptor desc;
  desc.media_type = std::string(oci::kOciManifestType);
  desc.digest = oci::Digest::Of(AsBytes(manifest));
  desc.size = manifest.size();
  OCITREE_RETURN_IF_ERROR(dest.PutManifest(desc, AsBytes(manifest)));
  OCITREE_RETURN_IF_ERROR(dest.Commit(desc));
  result.manifest_digest = desc.digest.ToString();
  return result;
}

}  // namespace ocitree
