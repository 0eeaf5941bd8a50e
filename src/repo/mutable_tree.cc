#include "repo/mutable_tree.h"

#include "repo/dirtree.h"

namespace ocitree {

MutableTree::MutableTree() = default;

Status MutableTree::SetFile(const std::string& name, const Checksum& content) {
  if (!IsValidFileName(name)) return InvalidArgument("invalid file name '" + name + "'");
  if (dirs_.count(name)) return Status::Error(ErrorCode::kAlreadyExists, "can't replace directory '" + name + "' with a file");
  files_[name] = content;
  return {};
}

Result<MutableTree*> MutableTree::EnsureDir(const std::string& name, const DirMeta& default_meta) {
  if (!IsValidFileName(name)) return InvalidArgument("invalid directory name '" + name + "'");
  if (files_.count(name)) return Status::Error(ErrorCode::kAlreadyExists, "can't replace file '" + name + "' with a directory");
  auto& slot = dirs_[name];
  if (!slot) {
    slot = std::make_unique<MutableTree>();
    slot->meta_ = default_meta;
  }
  return slot.get();
}

Result<MutableTree*> MutableTree::EnsurePath(std::string_view path, const DirMeta& default_meta) {
  MutableTree* node = this;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) {
      auto next = node->EnsureDir(std::string(path.substr(start, end - start)), default_meta);
      if (!next.ok()) return next.status().WithContext(std::string(path.substr(0, end)));
      node = *next;
    }
    start = end + 1;
  }
  return node;
}

const Checksum* MutableTree::FindFile(const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

MutableTree* MutableTree::FindDir(const std::string& name) {
  auto it = dirs_.find(name);
  return it == dirs_.end() ? nullptr : it->second.get();
}

bool MutableTree::Remove(const std::string& name) { return files_.erase(name) + dirs_.erase(name) > 0; }

void MutableTree::Clear() {
  files_.clear();
  dirs_.clear();
}

const Checksum* MutableTree::FindFileAtPath(std::string_view path) const {
  const MutableTree* node = this;
  size_t start = 0;
  for (;;) {
    size_t end = path.find('/', start);
    std::string part(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return node->FindFile(part);
    auto it = node->dirs_.find(part);
    if (it == node->dirs_.end()) return nullptr;
    node = it->second.get();
    start = end + 1;
  }
}

Result<MutableTree::Written> MutableTree::Write(Transaction& txn) const {
  // std::map orders names bytewise, which is the strcmp order dirtrees need.
  DirTree tree;
  tree.files.reserve(files_.size());
  for (const auto& [name, checksum] : files_) tree.files.push_back({name, checksum});
  tree.dirs.reserve(dirs_.size());
  for (const auto& [name, child] : dirs_) {
    OCITREE_ASSIGN_OR_RETURN(Written w, child->Write(txn));
    tree.dirs.push_back({name, w.tree, w.meta});
  }
  Written out;
  OCITREE_ASSIGN_OR_RETURN(out.tree, txn.WriteMetadata(ObjectType::kDirTree, SerializeDirTree(tree)));
  OCITREE_ASSIGN_OR_RETURN(out.meta, txn.WriteMetadata(ObjectType::kDirMeta, SerializeDirMeta(meta_)));
  return out;
}

}  // namespace ocitree
