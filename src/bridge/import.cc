#include "bridge/import.h"

#include "base/hashing_reader.h"
#include "base/log.h"
#include "bridge/image_metadata.h"
#include "bridge/layer_commit.h"
#include "bridge/layer_reader.h"
#include "bridge/recipe_commit.h"
#include "bridge/layer_tree.h"
#include "compress/decompress.h"
#include "oci/media_types.h"
#include "oci/platform.h"
#include "oci/platform_match.h"
#include "repo/commit.h"
#include "repo/dirtree.h"
#include "repo/tree_path.h"

namespace ocitree {

namespace {

// Counts compressed bytes for progress reports.
class CountingReader : public ByteReader {
 public:
  CountingReader(ByteReader& source, std::function<void(uint64_t)> on_read)
      : source_(source), on_read_(std::move(on_read)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    OCITREE_ASSIGN_OR_RETURN(size_t n, source_.Read(buf));
    bytes_ += n;
    if (on_read_) on_read_(bytes_);
    return n;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteReader& source_;
  std::function<void(uint64_t)> on_read_;
  uint64_t bytes_ = 0;
};

class Importer {
 public:
  Importer(Transaction& txn, oci::ImageSource& source, const oci::ResolvedImage& image, const PullOptions& options)
      : txn_(txn), store_(txn.store()), source_(source), image_(image), options_(options) {}

  Status ImportLayers(MutableTree* root) {
    progress_.layers = image_.manifest.layers.size();
    for (size_t i = 0; i < image_.manifest.layers.size(); i++) {
      progress_.layer = i + 1;
      Status s = ImportLayer(image_.manifest.layers[i], image_.config.diff_ids[i], root);
      if (!s.ok())
        return s.WithContext("layer " + std::to_string(i + 1) + " (" + image_.manifest.layers[i].digest.ToString() + ")");
    }
    return {};
  }

  PullResult result;

 private:
  // Layer refs hold layers exactly as their tars have them; content hooks
  // change that, so such pulls neither reuse nor record shared layers.
  bool ShareLayers() const { return !options_.hooks.on_entry; }
  bool KeepLayers() const { return options_.storage == Storage::kLayered && ShareLayers(); }

  Status ImportLayer(const oci::Descriptor& desc, const oci::Digest& diff_id, MutableTree* root) {
    std::optional<StoredLayer> stored;
    if (ShareLayers()) {
      OCITREE_ASSIGN_OR_RETURN(stored, FindStoredLayer(store_, diff_id));
    }
    if (stored && KeepLayers()) {
      // A layered image also needs the layer's recipe.
      OCITREE_ASSIGN_OR_RETURN(bool has_recipe, HasRecipe(store_, diff_id));
      if (!has_recipe) stored.reset();
    }
    if (stored) {
      // Already in the repository: the blob is not even opened.
      result.layers_reused++;
      return MergeStored(*stored, root);
    }
    std::optional<RecipeWriter> recipe;
    if (KeepLayers()) recipe.emplace();
    OCITREE_ASSIGN_OR_RETURN(LayerRead read, ReadLayer(desc, diff_id, root, recipe ? &*recipe : nullptr));
    if (KeepLayers()) {
      OCITREE_ASSIGN_OR_RETURN(StoredLayer written, WriteLayerCommit(txn_, *read.node, {diff_id, desc.digest.ToString(), desc.media_type}));
      OCITREE_RETURN_IF_ERROR(WriteRecipeCommit(txn_, diff_id, read.recipe, read.recipe_extras).status());
      result.recipe_bytes += read.recipe.size();
      if (CanAdopt(written)) return MergeStored(written, root);
    }
    return Merge(*read.node, root);
  }

  // The first layer, without whiteouts, is the image tree as it is: take it
  // by checksum instead of rebuilding it.
  bool CanAdopt(const StoredLayer& layer) const { return !merged_any_ && layer.whiteouts == 0; }

  Status MergeStored(const StoredLayer& layer, MutableTree* root) {
    if (CanAdopt(layer)) {
      root->ReplaceWithStored(txn_, layer.root);
      merged_any_ = true;
      return {};
    }
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<LayerNode> node, LoadLayerNode(store_, layer));
    return Merge(*node, root);
  }

  // Symlinks stored by this pull are still staged: remember their targets;
  // older ones are read from the repository.
  Result<std::optional<std::string>> SymlinkTarget(const Checksum& content) {
    if (auto it = symlinks_.find(content); it != symlinks_.end()) return std::optional<std::string>(it->second);
    auto obj = store_.OpenContent(content);
    if (!obj.ok()) {
      if (obj.status().code() == ErrorCode::kNotFound) return std::optional<std::string>();  // a staged regular file
      return obj.status();
    }
    if (!obj->meta.is_symlink()) return std::optional<std::string>();
    return std::optional<std::string>(obj->meta.symlink_target);
  }

  Status Merge(const LayerNode& node, MutableTree* root) {
    ApplyStats applied;
    SymlinkTargetFn target = [this](const Checksum& c) { return SymlinkTarget(c); };
    OCITREE_RETURN_IF_ERROR(ApplyLayer(node, root, DirMeta{}, &applied, target));
    result.whiteouts += applied.whiteouts_applied;
    merged_any_ = true;
    return {};
  }

  struct LayerRead {
    std::unique_ptr<LayerNode> node;
    Bytes recipe;  // with a recipe writer
    std::vector<Checksum> recipe_extras;
  };

  Result<LayerRead> ReadLayer(const oci::Descriptor& desc, const oci::Digest& diff_id, MutableTree* root,
                              RecipeWriter* recipe) {
    OCITREE_ASSIGN_OR_RETURN(oci::LayerType type, oci::ClassifyLayer(desc.media_type));
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> blob, source_.OpenBlob(desc));
    progress_.layer_size = desc.size;
    CountingReader counted(*blob, [this](uint64_t n) {
      progress_.layer_bytes = n;
      if (options_.on_progress) options_.on_progress(progress_);
    });
    PeekableReader peek(counted);
    OCITREE_ASSIGN_OR_RETURN(ByteView magic, peek.Peek(4));
    Compression actual = DetectCompression(magic);
    if (actual != type.compression)
      return Corrupt(std::string("media type ") + desc.media_type + " says " + CompressionName(type.compression) +
                     " but the data is " + CompressionName(actual));
    std::unique_ptr<ByteReader> decompressor;
    ByteReader* tar_bytes = &peek;
    if (type.compression != Compression::kNone) {
      OCITREE_ASSIGN_OR_RETURN(decompressor, NewDecompressor(type.compression, peek));
      tar_bytes = decompressor.get();
    }
    HashingReader diff_hash(*tar_bytes);
    tar::TarReader reader(diff_hash);
    LayerReader layer(txn_, *root, options_.hooks, recipe);
    OCITREE_RETURN_IF_ERROR(layer.ReadAll(reader));
    // The rest of the stream (record padding) counts for the diff_id, and
    // reading to the end makes the blob reader check size and digest.
    OCITREE_RETURN_IF_ERROR(diff_hash.Drain());
    Checksum actual_diff = diff_hash.Finish();
    if (actual_diff != diff_id.sha256())
      return Corrupt("uncompressed layer has digest sha256:" + actual_diff.Hex() + " but the config's diff_id is " +
                     diff_id.ToString());
    uint8_t extra;
    OCITREE_ASSIGN_OR_RETURN(size_t more, counted.Read({&extra, 1}));
    if (more != 0) return Corrupt("data after the end of the compressed layer");
    const LayerStats& stats = layer.stats();
    progress_.entries += stats.entries;
    result.bytes_read += counted.bytes();
    result.files_written += stats.files_written;
    result.files_existing += stats.files_existing;
    result.special_skipped += stats.special_skipped;
    if (stats.special_skipped > 0)
      LogWarning("skipped " + std::to_string(stats.special_skipped) + " device nodes or fifos (first: " +
                 stats.first_special + "): OSTree cannot store them");
    symlinks_.insert(layer.symlinks().begin(), layer.symlinks().end());
    LayerRead read;
    if (recipe != nullptr) {
      OCITREE_ASSIGN_OR_RETURN(read.recipe, recipe->Finish(reader.trailer(), actual_diff));
      read.recipe_extras = layer.RecipeExtras();
    }
    read.node = layer.TakeTree();
    return read;
  }

  Transaction& txn_;
  const ObjectStore& store_;
  bool merged_any_ = false;
  std::map<Checksum, std::string> symlinks_;
  oci::ImageSource& source_;
  const oci::ResolvedImage& image_;
  const PullOptions& options_;
  PullProgress progress_;
};

std::string OstreeArchitecture(const oci::ImageConfig& config, const ImportHooks& hooks) {
  if (hooks.map_architecture) return hooks.map_architecture(config.architecture);
  if (config.architecture.empty()) return "";
  return oci::GoArchToOstreeArch(config.architecture, config.variant);
}

// An index was already matched against the platform; a plain manifest was
// not. As skopeo does, a mismatch with the default (this machine's) platform
// is only a warning, but one the user asked for by name is an error.
Status CheckSingleManifestPlatform(const oci::ResolvedImage& image, const oci::Platform& wanted, bool explicit_platform) {
  if (image.index_bytes || image.config.architecture.empty()) return {};
  for (const oci::Platform& candidate : oci::CandidatePlatforms(wanted))
    if (candidate.os == image.config.os && candidate.architecture == image.config.architecture &&
        candidate.variant == image.config.variant)
      return {};
  std::string message = "no image for platform " + wanted.ToString() + "; available: " +
                        image.config.platform().ToString();
  if (explicit_platform) return NotFound(message);
  LogWarning(message + " (pulling it anyway, as it is the only one)");
  return {};
}

// True when the branch already holds exactly this image.
Result<bool> AlreadyPulled(const ObjectStore& store, const std::optional<Checksum>& head, const std::string& digest,
                           const std::string& reference, const std::string& storage) {
  if (!head) return false;
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(*head));
  ImageRecord record;
  OCITREE_ASSIGN_OR_RETURN(bool is_image, ReadImageRecord(commit, &record));
  return is_image && record.manifest_digest == digest && record.reference == reference &&
         record.storage == storage && !store.IsCommitPartial(*head);
}

}  // namespace

Result<PullResult> ImportImage(ObjectStore& store, const oci::ImageReference& reference, oci::ImageSource& source,
                               const PullOptions& options) {
  std::string branch = options.branch;
  if (branch.empty()) {
    OCITREE_ASSIGN_OR_RETURN(branch, reference.EscapedBranch());
  }
  if (!IsValidRefName(branch)) return InvalidArgument("invalid branch name '" + branch + "'");
  oci::Platform platform = oci::HostPlatform();
  if (!options.platform.empty()) {
    OCITREE_ASSIGN_OR_RETURN(platform, oci::ParsePlatform(options.platform));
  }
  OCITREE_ASSIGN_OR_RETURN(oci::ResolvedImage image, oci::ResolveImage(source, platform));
  OCITREE_RETURN_IF_ERROR(CheckSingleManifestPlatform(image, platform, !options.platform.empty()));
  std::string digest = image.manifest_desc.digest.ToString();
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> head, store.ReadRef(branch));
  PullResult result;
  result.branch = branch;
  result.manifest_digest = digest;
  result.layers = image.manifest.layers.size();
  bool layered = options.storage == Storage::kLayered;
  if (layered && options.hooks.on_entry) {
    LogWarning("an entry hook changes the image's content: storing it flattened (shared layers hold only unchanged content)");
    layered = false;
  }
  const std::string storage = layered ? "layered" : "flattened";
  OCITREE_ASSIGN_OR_RETURN(bool up_to_date, AlreadyPulled(store, head, digest, reference.ToString(), storage));
  if (up_to_date) {
    result.up_to_date = true;
    result.commit = head->Hex();
    return result;
  }

  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, Transaction::Begin(store));
  MutableTree image_root;
  MutableTree* root = &image_root;
  if (!options.hooks.path_prefix.empty()) {
    auto parts = NormalizeArchivePath(options.hooks.path_prefix);
    if (!parts.ok()) return parts.status().WithContext("path prefix");
    OCITREE_ASSIGN_OR_RETURN(root, image_root.EnsurePath(JoinTreePath(*parts), DirMeta{}));
  }
  Importer importer(*txn, source, image, options);
  OCITREE_RETURN_IF_ERROR(importer.ImportLayers(root));
  OCITREE_ASSIGN_OR_RETURN(MutableTree::Written written, image_root.Write(*txn));

  ImageRecord record;
  record.reference = reference.ToString();
  record.manifest = std::string(AsChars(image.manifest_bytes));
  record.manifest_digest = digest;
  record.config = std::string(AsChars(image.config_bytes));
  for (const oci::Digest& d : image.config.diff_ids) record.diff_ids.push_back(d.ToString());
  record.storage = storage;
  record.architecture = OstreeArchitecture(image.config, options.hooks);
  CommitObject commit;
  OCITREE_ASSIGN_OR_RETURN(commit.metadata, BuildImageMetadata(record, branch));
  commit.parent = head;
  commit.subject = "Image " + record.reference;
  commit.body = "Manifest " + digest;
  commit.timestamp = static_cast<uint64_t>(std::max<int64_t>(0, image.config.created.value_or(0)));
  commit.root_tree = written.tree;
  commit.root_meta = written.meta;
  OCITREE_ASSIGN_OR_RETURN(Checksum c, txn->WriteMetadata(ObjectType::kCommit, SerializeCommit(commit)));
  txn->SetRef(branch, c);
  OCITREE_RETURN_IF_ERROR(txn->Commit());
  PullResult out = importer.result;
  out.branch = branch;
  out.commit = c.Hex();
  out.manifest_digest = digest;
  out.layers = result.layers;
  return out;
}

}  // namespace ocitree
