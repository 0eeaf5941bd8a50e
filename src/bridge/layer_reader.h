// Reads one uncompressed layer tar into a LayerNode, storing file content as
// objects as it streams (each file read once, never kept in memory).
#ifndef OCITREE_BRIDGE_LAYER_READER_H_
#define OCITREE_BRIDGE_LAYER_READER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bridge/layer_recipe.h"
#include "bridge/layer_tree.h"
#include "ocitree/hooks.h"
#include "repo/transaction.h"
#include "tar/tar_reader.h"

namespace ocitree {

struct LayerStats {
  uint64_t entries = 0;
  uint64_t files_written = 0;   // new content objects
  uint64_t files_existing = 0;  // content already in the repo
  uint64_t bytes = 0;           // regular file bytes read
  uint64_t special_skipped = 0; // device nodes and fifos
  std::string first_special;    // one example, for the warning
};

class LayerReader {
 public:
  // With a `recipe`, every entry's raw bytes go into it, and content the
  // tree will not list is stored all the same; such a layer gets its own
  // commit, so directories the tar has left are folded as it goes
  // (layer_fold.h) and the tree holds folded nodes. Layers may be read in
  // parallel, before the layers below them are applied: a hardlink to a
  // file of a lower layer is left for ResolveLowerLinks.
  LayerReader(Transaction& txn, const ImportHooks& hooks, RecipeWriter* recipe = nullptr);

  // Reads every entry of the tar stream.
  Status ReadAll(tar::TarReader& reader);
  std::unique_ptr<LayerNode> TakeTree() { return std::move(root_); }
  bool has_lower_links() const { return lower_links_ > 0; }
  const LayerStats& stats() const { return stats_; }
  // Targets of the symlinks this layer stored, by content checksum.
  const std::map<Checksum, std::string>& symlinks() const { return symlinks_; }
  // After ReadAll, with `recipe` the finished recipe: content objects it
  // needs that the layer tree does not list (sorted, unique).
  Result<std::vector<Checksum>> RecipeExtras(ByteView recipe) const;
  // False when RecipeExtras is sure to be empty (no content was displaced).
  bool may_have_recipe_extras() const { return !displaced_.empty(); }

 private:
  Status Add(tar::TarReader& reader, const tar::Entry& entry);
  Status AddWhiteout(tar::TarReader& reader, const tar::Entry& raw, const ImportEntry& entry,
                     const std::vector<std::string>& parts);
  Result<Checksum> WriteContent(tar::TarReader& reader, const tar::Entry& raw, const ImportEntry& entry);
  // What a hardlink entry stands for: a file of this layer, or (content
  // unset) one of a lower layer at `lower_path`.
  struct LinkSource {
    std::optional<Checksum> content;
    std::string lower_path;
  };
  Result<LinkSource> ResolveHardlink(const std::string& target);
  Status AddToRecipe(tar::TarReader& reader, const tar::Entry& entry);
  // Makes parts[0..count) the open directory path: folds the directories
  // the previous entry was in and this one is not, and unfolds folded ones
  // on the new path (a tar that comes back to a directory).
  Status MoveTo(const std::vector<std::string>& parts, size_t count);
  bool folding() const { return recipe_ != nullptr; }
  std::vector<Checksum>* Displaced() { return recipe_ != nullptr ? &displaced_ : nullptr; }

  Transaction& txn_;
  const ImportHooks& hooks_;
  std::unique_ptr<LayerNode> root_;
  uint64_t lower_links_ = 0;
  LayerStats stats_;
  std::map<Checksum, std::string> symlinks_;
  RecipeWriter* recipe_;
  std::optional<Checksum> entry_content_;  // what WriteContent stored for the current entry
  std::vector<std::string> open_;          // the directory path of the previous entry
  // With a recipe: content that went into the recipe but may be missing
  // from the tree (stored only for the recipe, or replaced by a later entry).
  // Every other recipe content is in the tree, so the extras are found
  // without a list of all contents (32 bytes a file on big layers).
  std::vector<Checksum> displaced_;
};

// Fills in the content of the layer's hardlinks to lower files from `lower`,
// the image as the layers below left it.
Status ResolveLowerLinks(LayerNode* layer, const MutableTree& lower);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_READER_H_
