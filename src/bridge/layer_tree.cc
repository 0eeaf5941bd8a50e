#include "bridge/layer_tree.h"

namespace ocitree {

LayerNode* LayerNode::EnsureDir(const std::vector<std::string>& parts, size_t count) {
  LayerNode* node = this;
  for (size_t i = 0; i < count; i++) {
    auto& slot = node->children[parts[i]];
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

Status ApplyLayer(const LayerNode& layer, MutableTree* image, const DirMeta& default_dir, ApplyStats* stats) {
  if (layer.opaque) OCITREE_RETURN_IF_ERROR(image->Clear());
  for (const std::string& name : layer.whiteouts) {
    OCITREE_ASSIGN_OR_RETURN(bool removed, image->Remove(name));
    if (removed) stats->whiteouts_applied++;
  }
  if (layer.meta) OCITREE_RETURN_IF_ERROR(image->SetMeta(*layer.meta));
  for (const auto& [name, child] : layer.children) {
    if (!child->is_dir) {
      OCITREE_RETURN_IF_ERROR(image->Remove(name).status());
      OCITREE_RETURN_IF_ERROR(image->SetFile(name, child->content));
      continue;
    }
    OCITREE_ASSIGN_OR_RETURN(MutableTree * dir, image->FindDir(name));
    if (dir == nullptr) {
      OCITREE_RETURN_IF_ERROR(image->Remove(name).status());  // a file or symlink replaced by a directory
      OCITREE_ASSIGN_OR_RETURN(dir, image->EnsureDir(name, default_dir));
    }
    Status s = ApplyLayer(*child, dir, default_dir, stats);
    if (!s.ok()) return s.WithContext(name);
  }
  return {};
}

}  // namespace ocitree
