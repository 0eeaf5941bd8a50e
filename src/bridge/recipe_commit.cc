#include "bridge/recipe_commit.h"

#include <sys/stat.h>

#include "bridge/layer_recipe.h"
#include "gvariant/builder.h"
#include "gvariant/view.h"
#include "repo/commit.h"
#include "repo/commit_object.h"
#include "repo/dirtree.h"
#include "repo/mutable_tree.h"

namespace ocitree {

namespace {

constexpr char kRecipeMetaDiffId[] = "ocitree.recipe.diff-id";
constexpr char kRecipeFile[] = "recipe";
constexpr char kExtraDir[] = "extra";
// A recipe costs ~40 bytes per tar entry; this allows tens of millions.
constexpr uint64_t kMaxRecipeBytes = uint64_t{2} << 30;

// The recipe commit for `diff_id`, if complete and about that layer.
Result<std::optional<CommitObject>> FindRecipeCommit(const ObjectStore& store, const oci::Digest& diff_id) {
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> head, store.ReadRef(RecipeRef(diff_id)));
  if (!head || store.IsCommitPartial(*head)) return std::optional<CommitObject>();
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(*head));
  OCITREE_ASSIGN_OR_RETURN(gvariant::View meta, gvariant::View::Parse("a{sv}", commit.metadata));
  gvariant::View v;
  if (!gvariant::LookupVariant(meta, kRecipeMetaDiffId, &v) || v.type() != "s" || v.GetString() != diff_id.ToString())
    return Corrupt("recipe commit " + head->Hex() + " on " + RecipeRef(diff_id) + " is not about layer " +
                   diff_id.ToString());
  return std::optional<CommitObject>(std::move(commit));
}

// A content object's payload that keeps the object (and its fd) alive.
class ContentPayloadReader : public ByteReader {
 public:
  explicit ContentPayloadReader(ContentObject obj) : obj_(std::move(obj)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override { return obj_.payload->Read(buf); }

 private:
  ContentObject obj_;
};

}  // namespace

std::string RecipeRef(const oci::Digest& diff_id) { return kRecipeRefPrefix + diff_id.Hex(); }

Result<Checksum> WriteRecipeCommit(Transaction& txn, const oci::Digest& diff_id, ByteReader& recipe,
                                   uint64_t recipe_size, const std::vector<Checksum>& extras) {
  FileMeta meta;
  meta.mode = S_IFREG | 0644;
  CanonicalizeForMode(txn.store().mode(), &meta);
  OCITREE_ASSIGN_OR_RETURN(Transaction::ContentWrite file, txn.WriteContent(meta, recipe, recipe_size));
  MutableTree tree;
  OCITREE_RETURN_IF_ERROR(tree.SetFile(kRecipeFile, file.checksum));
  if (!extras.empty()) {
    OCITREE_ASSIGN_OR_RETURN(MutableTree * dir, tree.EnsureDir(kExtraDir, DirMeta{}));
    for (const Checksum& c : extras) OCITREE_RETURN_IF_ERROR(dir->SetFile(c.Hex(), c));
  }
  OCITREE_ASSIGN_OR_RETURN(MutableTree::Written root, tree.Write(txn));
  std::string ref = RecipeRef(diff_id);
  MetadataBuilder metadata;
  metadata.SetString(kRecipeMetaDiffId, diff_id.ToString()).SetStringArray("ostree.ref-binding", {ref});
  CommitObject commit;
  commit.metadata = metadata.Finish();
  commit.subject = "Recipe of layer " + diff_id.ToString();
  commit.root_tree = root.tree;
  commit.root_meta = root.meta;
  OCITREE_ASSIGN_OR_RETURN(Checksum c, txn.WriteMetadata(ObjectType::kCommit, SerializeCommit(commit)));
  txn.SetRef(ref, c);
  return c;
}

Result<bool> HasRecipe(const ObjectStore& store, const oci::Digest& diff_id) {
  auto commit = FindRecipeCommit(store, diff_id);
  if (!commit.ok()) return false;  // damaged: the layer is read again
  return commit->has_value();
}

Result<Bytes> ReadRecipe(const ObjectStore& store, const oci::Digest& diff_id) {
  OCITREE_ASSIGN_OR_RETURN(std::optional<CommitObject> commit, FindRecipeCommit(store, diff_id));
  if (!commit)
    return NotFound("layer " + diff_id.ToString() +
                    " has no recipe (it was pulled flattened or with hooks that change content): pull the image "
                    "again with layered storage to rebuild it");
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, store.ReadDirTree(commit->root_tree));
  for (const DirTree::File& f : tree.files) {
    if (f.name != kRecipeFile) continue;
    OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store.OpenContent(f.content));
    if (obj.size > kMaxRecipeBytes) return Corrupt("recipe of layer " + diff_id.ToString() + " is too large");
    Bytes recipe(obj.size);
    OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(*obj.payload, recipe));
    if (n != recipe.size()) return Corrupt("recipe of layer " + diff_id.ToString() + " is truncated");
    return recipe;
  }
  return Corrupt("recipe commit of layer " + diff_id.ToString() + " has no recipe file");
}

Status RebuildLayerTar(const ObjectStore& store, const oci::Digest& diff_id, ByteSink& sink) {
  OCITREE_ASSIGN_OR_RETURN(Bytes recipe, ReadRecipe(store, diff_id));
  OCITREE_ASSIGN_OR_RETURN(RecipeHeader header, ReadRecipeHeader(recipe));
  if (header.diff_id != diff_id.sha256())
    return Corrupt("recipe on " + RecipeRef(diff_id) + " rebuilds sha256:" + header.diff_id.Hex());
  ContentOpener open = [&store](const Checksum& c, uint64_t size) -> Result<std::unique_ptr<ByteReader>> {
    OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store.OpenContent(c));
    if (obj.size != size)
      return Corrupt("content object " + c.Hex() + " has " + std::to_string(obj.size) + " bytes, the recipe says " +
                     std::to_string(size));
    return std::unique_ptr<ByteReader>(std::make_unique<ContentPayloadReader>(std::move(obj)));
  };
  return RebuildTar(recipe, open, sink).WithContext("rebuilding layer " + diff_id.ToString());
}

}  // namespace ocitree
