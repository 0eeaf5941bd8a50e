#include "bridge/layer_commit.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "gvariant/builder.h"
#include "gvariant/view.h"
#include "repo/commit_object.h"
#include "repo/dirtree.h"
#include "repo/object_store.h"
#include "base/whiteout.h"

namespace ocitree {

namespace {

constexpr char kLayerMetaDiffId[] = "ocitree.layer.diff-id";
constexpr char kMetaBlob[] = "ocitree.layer.blob-digest";
constexpr char kMetaMediaType[] = "ocitree.layer.media-type";
constexpr char kMetaImplicitDirs[] = "ocitree.layer.implicit-dirs";
constexpr char kMetaWhiteouts[] = "ocitree.layer.whiteouts";

std::string JoinChild(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "/" + name;
}

// Writes the layer's own tree straight from the LayerNode (no MutableTree
// copy of it: on big layers that copy cost ~110 bytes a file): entries as
// listed, markers as files. The result is what a MutableTree would write: a
// later entry wins over a marker of the same name, a directory over a file.
Result<MutableTree::Written> WriteNode(Transaction& txn, const LayerNode& node, const std::string& path,
                                      LayerTreeInfo* info) {
  if (node.folded) {
    for (const std::string& below : node.folded->implicit_dirs)
      info->implicit_dirs.push_back(below.empty() ? path : JoinChild(path, below));
    return node.folded->written;
  }
  if (!node.meta) info->implicit_dirs.push_back(path);
  DirTree tree;
  std::map<std::string_view, Checksum> files;
  if (node.marks) {
    for (const auto& [name, content] : node.marks->markers) files[name] = content;
    info->whiteouts += node.marks->markers.size();
  }
  for (const auto& [name, child] : node.children) {
    if (!IsValidFileName(name)) return InvalidArgument("invalid file name '" + name + "'");
    if (!child->is_dir) {
      files[name] = child->content;
      continue;
    }
    files.erase(name);
    OCITREE_ASSIGN_OR_RETURN(MutableTree::Written w, WriteNode(txn, *child, JoinChild(path, name), info));
    tree.dirs.push_back({name, w.tree, w.meta});
  }
  tree.files.reserve(files.size());
  for (const auto& [name, content] : files) tree.files.push_back({std::string(name), content});
  MutableTree::Written out;
  OCITREE_ASSIGN_OR_RETURN(out.tree, txn.WriteMetadata(ObjectType::kDirTree, SerializeDirTree(tree)));
  OCITREE_ASSIGN_OR_RETURN(out.meta,
                           txn.WriteMetadata(ObjectType::kDirMeta, SerializeDirMeta(node.meta ? *node.meta : DirMeta{})));
  return out;
}

Status LoadNode(const ObjectStore& store, const Checksum& tree_c, const Checksum& meta_c, const std::string& path,
                const std::set<std::string>& implicit, LayerNode* node) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, store.ReadDirTree(tree_c));
  if (!implicit.count(path)) {
    OCITREE_ASSIGN_OR_RETURN(DirMeta meta, store.ReadDirMeta(meta_c));
    node->meta = std::make_unique<DirMeta>(std::move(meta));
  }
  for (const auto& f : tree.files) {
    if (f.name.rfind(kWhiteoutPrefix, 0) == 0) {
      LayerNode::Marks& marks = node->EnsureMarks();
      marks.markers[f.name] = f.content;
      std::string target = f.name.substr(kWhiteoutPrefix.size());
      if (f.name == kOpaqueMarker)
        node->opaque = true;
      else if (target.rfind(".wh.", 0) != 0)
        marks.whiteouts.insert(target);
      continue;
    }
    auto child = std::make_unique<LayerNode>();
    child->is_dir = false;
    child->content = f.content;
    node->children[f.name] = std::move(child);
  }
  for (const auto& d : tree.dirs) {
    auto child = std::make_unique<LayerNode>();
    OCITREE_RETURN_IF_ERROR(LoadNode(store, d.tree, d.meta, JoinChild(path, d.name), implicit, child.get()));
    node->children[d.name] = std::move(child);
  }
  return {};
}

}  // namespace

std::string LayerRef(const oci::Digest& diff_id) { return kLayerRefPrefix + diff_id.Hex(); }

Result<MutableTree::Written> WriteLayerTree(Transaction& txn, const LayerNode& node, LayerTreeInfo* info) {
  return WriteNode(txn, node, "", info);
}

Result<StoredLayer> WriteLayerCommit(Transaction& txn, const LayerNode& layer, const LayerOrigin& origin) {
  StoredLayer info;
  LayerTreeInfo tree_info;
  OCITREE_ASSIGN_OR_RETURN(info.root, WriteNode(txn, layer, "", &tree_info));
  info.whiteouts = tree_info.whiteouts;
  info.implicit_dirs = std::move(tree_info.implicit_dirs);
  std::string ref = LayerRef(origin.diff_id);
  MetadataBuilder meta;
  meta.SetString(kLayerMetaDiffId, origin.diff_id.ToString())
      .SetString(kMetaBlob, origin.blob_digest)
      .SetString(kMetaMediaType, origin.media_type)
      .SetStringArray(kMetaImplicitDirs, info.implicit_dirs)
      .Set(kMetaWhiteouts, "t", gvariant::Uint64(ToBigEndian64(info.whiteouts)))
      .SetStringArray("ostree.ref-binding", {ref});
  CommitObject commit;
  commit.metadata = meta.Finish();
  commit.subject = "Layer " + origin.diff_id.ToString();
  commit.root_tree = info.root.tree;
  commit.root_meta = info.root.meta;
  OCITREE_ASSIGN_OR_RETURN(info.commit, txn.WriteMetadata(ObjectType::kCommit, SerializeCommit(commit)));
  txn.SetRef(ref, info.commit);
  return info;
}

Result<std::optional<StoredLayer>> FindStoredLayer(const ObjectStore& store, const oci::Digest& diff_id) {
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> head, store.ReadRef(LayerRef(diff_id)));
  if (!head || store.IsCommitPartial(*head)) return std::optional<StoredLayer>();
  auto commit = store.ReadCommit(*head);
  if (!commit.ok()) return std::optional<StoredLayer>();  // damaged: read the layer again
  OCITREE_ASSIGN_OR_RETURN(gvariant::View meta, gvariant::View::Parse("a{sv}", commit->metadata));
  gvariant::View v;
  if (!gvariant::LookupVariant(meta, kLayerMetaDiffId, &v) || v.type() != "s" || v.GetString() != diff_id.ToString())
    return std::optional<StoredLayer>();
  StoredLayer layer;
  layer.commit = *head;
  layer.root = {commit->root_tree, commit->root_meta};
  if (gvariant::LookupVariant(meta, kMetaWhiteouts, &v) && v.type() == "t")
    layer.whiteouts = FromBigEndian64(v.GetUint64());
  if (gvariant::LookupVariant(meta, kMetaImplicitDirs, &v) && v.type() == "as")
    for (size_t i = 0; i < v.NumChildren(); i++) layer.implicit_dirs.emplace_back(v.Child(i).GetString());
  return std::optional<StoredLayer>(layer);
}

Result<bool> HasLayerRefs(const ObjectStore& store) {
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  return std::any_of(refs.begin(), refs.end(), [](const std::string& r) { return r.starts_with(kLayerRefPrefix); });
}

Result<std::unique_ptr<LayerNode>> LoadLayerNode(const ObjectStore& store, const StoredLayer& layer) {
  std::set<std::string> implicit(layer.implicit_dirs.begin(), layer.implicit_dirs.end());
  auto node = std::make_unique<LayerNode>();
  OCITREE_RETURN_IF_ERROR(LoadNode(store, layer.root.tree, layer.root.meta, "", implicit, node.get()));
  return node;
}

}  // namespace ocitree
