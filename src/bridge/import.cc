#include "bridge/import.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "base/hashing_reader.h"
#include "base/log.h"
#include "bridge/commit_restore.h"
#include "bridge/image_metadata.h"
#include "bridge/layer_commit.h"
#include "bridge/layer_import.h"
#include "bridge/layer_reader.h"
#include "bridge/recipe_commit.h"
#include "bridge/layer_tree.h"
#include "bridge/partial_download.h"
#include "compress/decompress.h"
#include "oci/media_types.h"
#include "oci/platform.h"
#include "oci/platform_match.h"
#include "repo/commit.h"
#include "repo/dirtree.h"
#include "repo/tree_path.h"

namespace ocitree {

namespace {

// How many layers are read at once: decompression and hashing of one layer
// keep about one core busy.
size_t ParallelLayers(const PullOptions& options) {
  if (options.hooks.on_entry) return 1;  // hooks see entries in layer order
  if (options.max_parallel_layers > 0) return options.max_parallel_layers;
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 2, 4);
}

class Importer {
 public:
  Importer(Transaction& txn, oci::ImageSource& source, const oci::ResolvedImage& image, const PullOptions& options,
           PartialDownloads* downloads)
      : txn_(txn), store_(txn.store()), source_(source), image_(image), options_(options), downloads_(downloads) {}
  ~Importer() { StopWorkers(); }

  // Reads the layers that are not in the repository yet (several at once),
  // and applies all layers to `root` in order as they become available.
  Status ImportLayers(MutableTree* root) {
    const size_t n = image_.manifest.layers.size();
    OCITREE_RETURN_IF_ERROR(Plan());
    progress_.layers = n;
    StartWorkers();
    for (size_t i = 0; i < n; i++) {
      Status s = ApplyLayerAt(i, root);
      if (!s.ok()) {
        StopWorkers();
        if (s.code() == ErrorCode::kCancelled && !first_error_.ok()) return first_error_;
        return s.WithContext(LayerName(i));
      }
    }
    StopWorkers();
    return {};
  }

  PullResult result;

 private:
  struct Slot {
    std::optional<StoredLayer> stored;  // already in the repository
    size_t same_as = SIZE_MAX;          // an earlier layer with this diff_id
    bool done = false;
    Result<LayerRead> read = Internal("layer not read");
  };

  std::string LayerName(size_t i) const {
    return "layer " + std::to_string(i + 1) + " (" + image_.manifest.layers[i].digest.ToString() + ")";
  }

  // Layer refs hold layers exactly as their tars have them; content hooks
  // change that, so such pulls neither reuse nor record shared layers.
  bool ShareLayers() const { return !options_.hooks.on_entry; }
  bool KeepLayers() const { return options_.storage == Storage::kLayered && ShareLayers(); }

  Status Plan() {
    const size_t n = image_.manifest.layers.size();
    slots_ = std::vector<Slot>(n);
    std::map<oci::Digest, size_t> first;
    for (size_t i = 0; i < n; i++) {
      const oci::Digest& diff_id = image_.config.diff_ids[i];
      if (auto it = first.find(diff_id); it != first.end()) {
        slots_[i].same_as = it->second;
        continue;
      }
      first.emplace(diff_id, i);
      if (ShareLayers()) {
        OCITREE_ASSIGN_OR_RETURN(slots_[i].stored, FindStoredLayer(store_, diff_id));
      }
      if (slots_[i].stored && KeepLayers()) {
        // A layered image also needs the layer's recipe.
        OCITREE_ASSIGN_OR_RETURN(bool has_recipe, HasRecipe(store_, diff_id));
        if (!has_recipe) slots_[i].stored.reset();
      }
      if (!slots_[i].stored) {
        to_read_.push_back(i);
        progress_.total_bytes += static_cast<uint64_t>(image_.manifest.layers[i].size);
      }
    }
    return {};
  }

  void StartWorkers() {
    size_t count = std::min(ParallelLayers(options_), to_read_.size());
    for (size_t w = 0; w < count; w++) workers_.emplace_back([this] { Work(); });
  }

  void StopWorkers() {
    cancel_ = true;
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  // Takes the next unread layer, in image order, until none is left.
  void Work() {
    for (;;) {
      size_t k = next_.fetch_add(1);
      if (k >= to_read_.size() || cancel_) return;
      size_t i = to_read_[k];
      LayerReadOptions o;
      o.hooks = &options_.hooks;
      o.with_recipe = KeepLayers();
      o.cancel = &cancel_;
      o.downloads = downloads_;
      o.on_bytes = [this](uint64_t n) {
        Report([&] {
          progress_.bytes += n;
          if (downloads_) progress_.bytes_resumed = downloads_->bytes_resumed();
        });
      };
      Result<LayerRead> read =
          ReadLayerBlob(txn_, source_, image_.manifest.layers[i], image_.config.diff_ids[i], o);
      std::lock_guard lock(mu_);
      if (!read.ok() && read.status().code() != ErrorCode::kCancelled && first_error_.ok()) {
        first_error_ = read.status().WithContext(LayerName(i));
        cancel_ = true;
      }
      slots_[i].read = std::move(read);
      slots_[i].done = true;
      done_.notify_all();
    }
  }

  template <typename F>
  void Report(F change) {
    std::lock_guard lock(progress_mu_);
    change();
    if (options_.on_progress) options_.on_progress(progress_);
  }

  Status ApplyLayerAt(size_t i, MutableTree* root) {
    Slot& slot = slots_[i];
    if (slot.same_as != SIZE_MAX) {
      // The same layer again: its first occurrence was read or found.
      Slot& first = slots_[slot.same_as];
      Report([&] { progress_.layers_done++; });
      if (first.stored) return MergeStored(*first.stored, root);
      if (!first.read.ok()) return first.read.status();
      return Merge(*first.read->node, root);
    }
    if (slot.stored) {
      // Already in the repository: the blob is not even opened.
      result.layers_reused++;
      Report([&] { progress_.layers_done++; });
      return MergeStored(*slot.stored, root);
    }
    {
      std::unique_lock lock(mu_);
      done_.wait(lock, [&] { return slot.done; });
    }
    if (!slot.read.ok()) return slot.read.status();
    LayerRead& read = *slot.read;
    Account(read);
    OCITREE_RETURN_IF_ERROR(ResolveLowerLinks(read.node.get(), *root));
    const oci::Descriptor& desc = image_.manifest.layers[i];
    const oci::Digest& diff_id = image_.config.diff_ids[i];
    if (KeepLayers()) {
      OCITREE_ASSIGN_OR_RETURN(StoredLayer written,
                               WriteLayerCommit(txn_, *read.node, {diff_id, desc.digest.ToString(), desc.media_type}));
      if (lseek(read.recipe_file.get(), 0, SEEK_SET) != 0) return Status::FromErrno("rewind the layer recipe", errno);
      FdReader recipe(read.recipe_file.get(), "layer recipe");
      OCITREE_RETURN_IF_ERROR(
          WriteRecipeCommit(txn_, diff_id, recipe, read.recipe_size, read.recipe_extras).status());
      result.recipe_bytes += read.recipe_size;
      read.recipe_file.Reset();
      if (CanAdopt(written)) return MergeStored(written, root);
    }
    return Merge(*read.node, root);
  }

  void Account(const LayerRead& read) {
    const LayerStats& stats = read.stats;
    result.bytes_read += read.blob_bytes;
    result.files_written += stats.files_written;
    result.files_existing += stats.files_existing;
    result.special_skipped += stats.special_skipped;
    if (stats.special_skipped > 0)
      LogWarning("skipped " + std::to_string(stats.special_skipped) + " device nodes or fifos (first: " +
                 stats.first_special + "): OSTree cannot store them");
    symlinks_.insert(read.symlinks.begin(), read.symlinks.end());
    Report([&] {
      progress_.layers_done++;
      progress_.entries += stats.entries;
    });
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
    OCITREE_RETURN_IF_ERROR(ApplyLayer(node, root, DirMeta{}, &applied, target, &txn_));
    result.whiteouts += applied.whiteouts_applied;
    merged_any_ = true;
    return {};
  }

  Transaction& txn_;
  const ObjectStore& store_;
  oci::ImageSource& source_;
  const oci::ResolvedImage& image_;
  const PullOptions& options_;
  PartialDownloads* downloads_;  // null: the source is local
  bool merged_any_ = false;
  std::map<Checksum, std::string> symlinks_;

  std::vector<Slot> slots_;
  std::vector<size_t> to_read_;  // indices of the layers to read, in order
  std::vector<std::thread> workers_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> cancel_{false};
  std::mutex mu_;  // guards slots_[*].done/read, first_error_
  std::condition_variable done_;
  Status first_error_;
  std::mutex progress_mu_;
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
// (A restored commit's record is on its companion: commit_restore.h.)
Result<bool> AlreadyPulled(const ObjectStore& store, const std::string& branch, const std::optional<Checksum>& head,
                           const std::string& digest, const std::string& reference, const std::string& storage) {
  if (!head) return false;
  OCITREE_ASSIGN_OR_RETURN(std::optional<BranchImage> image, ReadBranchImage(store, branch, *head));
  if (!image) return false;
  const ImageRecord& record = image->record;
  return record.manifest_digest == digest && record.reference == reference && record.storage == storage &&
         !store.IsCommitPartial(*head);
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
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> head, store.ReadRef(branch));
  bool layered = options.storage == Storage::kLayered;
  if (layered && options.hooks.on_entry) {
    LogWarning("an entry hook changes the image's content: storing it flattened (shared layers hold only unchanged content)");
    layered = false;
  }
  const std::string storage = layered ? "layered" : "flattened";
  // From a registry, the config and then the first layer each cost a wait
  // for the answer. When the first layer is read whatever the config says
  // (no stored layer to share, no kept download to resume, not already
  // pulled), both requests go out together.
  std::optional<bool> already_pulled;  // when the check below made it
  auto prefetch = [&](const oci::ResolvedImage& partial) {
    if (!source.IsRemote() || partial.manifest.layers.empty()) return;
    Result<bool> pulled =
        AlreadyPulled(store, branch, head, partial.manifest_desc.digest.ToString(), reference.ToString(), storage);
    if (!pulled.ok()) return;
    already_pulled = *pulled;
    if (*pulled) return;
    if (!options.hooks.on_entry) {
      Result<bool> shared = HasLayerRefs(store);
      if (!shared.ok() || *shared) return;
    }
    const oci::Descriptor& first = partial.manifest.layers[0];
    if (PartialDownloads::HasKept(store, first.digest)) return;
    source.Prefetch(first);
  };
  OCITREE_ASSIGN_OR_RETURN(oci::ResolvedImage image, oci::ResolveImage(source, platform, prefetch));
  OCITREE_RETURN_IF_ERROR(CheckSingleManifestPlatform(image, platform, !options.platform.empty()));
  std::string digest = image.manifest_desc.digest.ToString();
  PullResult result;
  result.branch = branch;
  result.manifest_digest = digest;
  result.layers = image.manifest.layers.size();
  if (!already_pulled) {
    OCITREE_ASSIGN_OR_RETURN(already_pulled, AlreadyPulled(store, branch, head, digest, reference.ToString(), storage));
  }
  if (*already_pulled) {
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
  // What a remote source sends is kept until the layers land, so that an
  // interrupted pull need not fetch it again.
  std::unique_ptr<PartialDownloads> downloads;
  if (source.IsRemote()) {
    auto opened = PartialDownloads::Open(store);
    if (opened.ok()) {
      downloads = std::move(*opened);
    } else {
      LogWarning(opened.status().message() + ": an interrupted pull will download everything again");
    }
  }
  Importer importer(*txn, source, image, options, downloads.get());
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
  // An image made by `ocitree push` carries its commit: when the tree
  // matches, the branch gets that very commit (commit_restore.h).
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> restored,
                           RestoreCarriedCommit(*txn, image.config, written.tree, written.meta, record, branch));
  Checksum c;
  if (restored) {
    c = *restored;
  } else {
    CommitObject commit;
    OCITREE_ASSIGN_OR_RETURN(commit.metadata, BuildImageMetadata(record, branch));
    commit.parent = head;
    commit.subject = "Image " + record.reference;
    commit.body = "Manifest " + digest;
    commit.timestamp = static_cast<uint64_t>(std::max<int64_t>(0, image.config.created.value_or(0)));
    commit.root_tree = written.tree;
    commit.root_meta = written.meta;
    OCITREE_ASSIGN_OR_RETURN(c, txn->WriteMetadata(ObjectType::kCommit, SerializeCommit(commit)));
    txn->SetRef(branch, c);
  }
  OCITREE_RETURN_IF_ERROR(txn->Commit());
  if (downloads) {
    for (const oci::Descriptor& layer : image.manifest.layers) downloads->Forget(layer.digest);
  }
  PullResult out = importer.result;
  if (downloads) out.bytes_resumed = downloads->bytes_resumed();
  out.branch = branch;
  out.commit = c.Hex();
  out.commit_restored = restored.has_value();
  out.manifest_digest = digest;
  out.layers = result.layers;
  return out;
}

}  // namespace ocitree
