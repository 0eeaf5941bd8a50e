#include "bridge/layer_fold.h"

#include <algorithm>

#include "bridge/layer_commit.h"
#include "repo/dirtree.h"

namespace ocitree {

bool CanFold(const LayerNode& dir) {
  if (!dir.is_dir || dir.folded || dir.marks) return false;
  for (const auto& [name, child] : dir.children) {
    if (child->is_dir ? !child->folded : child->lower_link != nullptr) return false;
  }
  return true;
}

Status FoldDir(Transaction& txn, LayerNode* dir) {
  if (!CanFold(*dir)) return Internal("folding a directory that cannot fold");
  LayerTreeInfo info;
  OCITREE_ASSIGN_OR_RETURN(MutableTree::Written written, WriteLayerTree(txn, *dir, &info));
  if (info.whiteouts != 0) return Internal("folded a directory with whiteouts");
  dir->folded = std::make_unique<LayerNode::Folded>(LayerNode::Folded{written, std::move(info.implicit_dirs)});
  dir->children.clear();
  dir->meta.reset();
  return {};
}

Result<std::unique_ptr<LayerNode>> OpenFolded(const TreeSource& source, const LayerNode::Folded& folded) {
  auto node = std::make_unique<LayerNode>();
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, source.ReadDirTree(folded.written.tree));
  const std::vector<std::string>& implicit = folded.implicit_dirs;
  if (std::find(implicit.begin(), implicit.end(), std::string()) == implicit.end()) {
    OCITREE_ASSIGN_OR_RETURN(DirMeta meta, source.ReadDirMeta(folded.written.meta));
    node->meta = std::make_unique<DirMeta>(std::move(meta));
  }
  for (DirTree::File& f : tree.files) {
    auto child = std::make_unique<LayerNode>();
    child->is_dir = false;
    child->content = f.content;
    node->children[std::move(f.name)] = std::move(child);
  }
  for (DirTree::Dir& d : tree.dirs) {
    auto child = std::make_unique<LayerNode>();
    child->folded = std::make_unique<LayerNode::Folded>();
    child->folded->written = {d.tree, d.meta};
    const std::string prefix = d.name + "/";
    for (const std::string& below : implicit) {
      if (below == d.name)
        child->folded->implicit_dirs.emplace_back();
      else if (below.starts_with(prefix))
        child->folded->implicit_dirs.push_back(below.substr(prefix.size()));
    }
    node->children[std::move(d.name)] = std::move(child);
  }
  return node;
}

Status UnfoldDir(const TreeSource& source, LayerNode* dir) {
  if (!dir->folded) return {};
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<LayerNode> open, OpenFolded(source, *dir->folded));
  dir->children = std::move(open->children);
  dir->meta = std::move(open->meta);
  dir->folded.reset();
  return {};
}

Result<std::optional<Checksum>> FindFoldedFile(const TreeSource& source, const LayerNode::Folded& dir,
                                               const std::vector<std::string>& parts, size_t from) {
  Checksum tree_checksum = dir.written.tree;
  for (size_t i = from; i < parts.size(); i++) {
    OCITREE_ASSIGN_OR_RETURN(DirTree tree, source.ReadDirTree(tree_checksum));
    if (i + 1 == parts.size()) {
      const DirTree::File* f = tree.FindFile(parts[i]);
      return f != nullptr ? std::optional<Checksum>(f->content) : std::optional<Checksum>();
    }
    const DirTree::Dir* d = tree.FindDir(parts[i]);
    if (d == nullptr) return std::optional<Checksum>();
    tree_checksum = d->tree;
  }
  return std::optional<Checksum>();  // `parts` ends at the folded directory itself
}

Status ForEachStoredContent(const TreeSource& source, const Checksum& tree_checksum,
                            const std::function<void(const Checksum&)>& fn) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, source.ReadDirTree(tree_checksum));
  for (const DirTree::File& f : tree.files) fn(f.content);
  for (const DirTree::Dir& d : tree.dirs) OCITREE_RETURN_IF_ERROR(ForEachStoredContent(source, d.tree, fn));
  return {};
}

}  // namespace ocitree
