#include "bridge/layer_tree.h"

#include "bridge/layer_fold.h"

namespace ocitree {

LayerNode* LayerNode::EnsureDir(const std::vector<std::string>& parts, size_t count,
                                std::vector<Checksum>* displaced) {
  LayerNode* node = this;
  for (size_t i = 0; i < count; i++) {
    auto& slot = node->children[parts[i]];
    if (slot && !slot->is_dir && displaced != nullptr) displaced->push_back(slot->content);
    if (!slot || !slot->is_dir) slot = std::make_unique<LayerNode>();
    node = slot.get();
  }
  return node;
}

const LayerNode* LayerNode::Find(const std::vector<std::string>& parts, size_t count, bool* through_file) const {
  const LayerNode* node = this;
  if (through_file) *through_file = false;
  for (size_t i = 0; i < count; i++) {
    if (!node->is_dir) {
      if (through_file) *through_file = true;
      return nullptr;
    }
    auto it = node->children.find(parts[i]);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
  }
  return node;
}

Status CollectContents(const LayerNode& node, const TreeSource* folded_source, std::vector<Checksum>* out) {
  if (!node.is_dir) {
    out->push_back(node.content);
    return {};
  }
  if (node.folded) {
    if (folded_source == nullptr) return Internal("a folded directory without the objects it was written to");
    return ForEachStoredContent(*folded_source, node.folded->written.tree,
                                [out](const Checksum& c) { out->push_back(c); });
  }
  if (node.marks)
    for (const auto& [name, content] : node.marks->markers) out->push_back(content);
  for (const auto& [name, child] : node.children)
    OCITREE_RETURN_IF_ERROR(CollectContents(*child, folded_source, out));
  return {};
}

namespace {

constexpr int kMaxSymlinkHops = 40;  // as Linux's path resolution

class Applier {
 public:
  Applier(MutableTree* root, const DirMeta& default_dir, ApplyStats* stats, const SymlinkTargetFn& target,
          const TreeSource* folded_source)
      : root_(root), default_dir_(default_dir), stats_(stats), target_(target), folded_source_(folded_source) {}

  Status Apply(const LayerNode& layer, MutableTree* image, const std::vector<std::string>& path) {
    if (layer.opaque) OCITREE_RETURN_IF_ERROR(image->Clear());
    if (layer.marks) {
      for (const std::string& name : layer.marks->whiteouts) {
        OCITREE_ASSIGN_OR_RETURN(bool removed, image->Remove(name));
        if (removed) stats_->whiteouts_applied++;
      }
    }
    if (layer.meta) OCITREE_RETURN_IF_ERROR(image->SetMeta(*layer.meta));
    for (const auto& [name, child] : layer.children) {
      Status s = ApplyChild(name, *child, image, path);
      if (!s.ok()) return s.WithContext(name);
    }
    return {};
  }

 private:
  Status ApplyChild(const std::string& name, const LayerNode& child, MutableTree* image,
                    const std::vector<std::string>& path) {
    if (!child.is_dir) {
      OCITREE_RETURN_IF_ERROR(image->Remove(name).status());
      return image->SetFile(name, child.content);
    }
    std::vector<std::string> child_path = path;
    child_path.push_back(name);
    OCITREE_ASSIGN_OR_RETURN(MutableTree * dir, image->FindDir(name));
    OCITREE_ASSIGN_OR_RETURN(const Checksum* file, image->FindFile(name));
    if (child.folded) {
      if (folded_source_ == nullptr) return Internal("a folded directory without the objects it was written to");
      // Nothing there yet: the layer's subtree is the image's, as stored.
      // (Implicit directories below would take default_dir_: read those.)
      if (dir == nullptr && file == nullptr && child.folded->implicit_dirs.empty())
        return image->AdoptStored(name, *folded_source_, child.folded->written);
      OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<LayerNode> open, OpenFolded(*folded_source_, *child.folded));
      return ApplyChild(name, *open, image, path);
    }
    if (dir != nullptr) return Apply(child, dir, child_path);
    if (file != nullptr && !child.meta && target_) {
      OCITREE_ASSIGN_OR_RETURN(std::optional<std::string> link, target_(*file));
      if (link) {
        std::vector<std::string> resolved;
        OCITREE_ASSIGN_OR_RETURN(MutableTree * there, Resolve(path, *link, {}, 0, &resolved));
        return Apply(child, there, resolved);
      }
    }
    OCITREE_RETURN_IF_ERROR(image->Remove(name).status());  // a file or symlink replaced by a directory
    OCITREE_ASSIGN_OR_RETURN(dir, image->EnsureDir(name, default_dir_));
    return Apply(child, dir, child_path);
  }

  // The directory `target` (then `rest`) names from directory `base`, inside
  // the root: ".." stops at the root, absolute targets start there, missing
  // directories are created, symlinks on the way are followed.
  Result<MutableTree*> Resolve(const std::vector<std::string>& base, const std::string& target,
                               const std::vector<std::string>& rest, int hops, std::vector<std::string>* out) {
    if (hops > kMaxSymlinkHops) return InvalidArgument("too many levels of symlinks below " + target);
    std::vector<std::string> parts = target.starts_with("/") ? std::vector<std::string>{} : base;
    auto push = [&parts](std::string_view comp) {
      if (comp.empty() || comp == ".") return;
      if (comp == "..") {
        if (!parts.empty()) parts.pop_back();
        return;
      }
      parts.emplace_back(comp);
    };
    size_t start = 0;
    while (start <= target.size()) {
      size_t end = target.find('/', start);
      if (end == std::string::npos) end = target.size();
      push(std::string_view(target).substr(start, end - start));
      start = end + 1;
    }
    for (const std::string& r : rest) push(r);
    MutableTree* node = root_;
    std::vector<std::string> walked;
    for (size_t i = 0; i < parts.size(); i++) {
      OCITREE_ASSIGN_OR_RETURN(MutableTree * dir, node->FindDir(parts[i]));
      if (dir == nullptr) {
        OCITREE_ASSIGN_OR_RETURN(const Checksum* file, node->FindFile(parts[i]));
        if (file != nullptr) {
          OCITREE_ASSIGN_OR_RETURN(std::optional<std::string> link, target_(*file));
          if (!link) return InvalidArgument("not a directory: /" + JoinParts(parts, i + 1));
          std::vector<std::string> remaining(parts.begin() + static_cast<long>(i) + 1, parts.end());
          return Resolve(walked, *link, remaining, hops + 1, out);
        }
        OCITREE_ASSIGN_OR_RETURN(dir, node->EnsureDir(parts[i], default_dir_));
      }
      node = dir;
      walked.push_back(parts[i]);
    }
    *out = walked;
    return node;
  }

  static std::string JoinParts(const std::vector<std::string>& parts, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; i++) s += (i ? "/" : "") + parts[i];
    return s;
  }

  MutableTree* root_;
  const DirMeta& default_dir_;
  ApplyStats* stats_;
  const SymlinkTargetFn& target_;
  const TreeSource* folded_source_;
};

}  // namespace

Status ApplyLayer(const LayerNode& layer, MutableTree* image, const DirMeta& default_dir, ApplyStats* stats,
                  const SymlinkTargetFn& symlink_target, const TreeSource* folded_source) {
  Applier applier(image, default_dir, stats, symlink_target, folded_source);
  return applier.Apply(layer, image, {});
}

}  // namespace ocitree
