#include "repo/mutable_tree.h"

#include "repo/dirtree.h"

namespace ocitree {

MutableTree::MutableTree() = default;

std::unique_ptr<MutableTree> MutableTree::FromStored(const TreeSource& source, const Written& stored) {
  auto tree = std::make_unique<MutableTree>();
  tree->source_ = &source;
  tree->stored_ = stored;
  tree->loaded_ = false;
  return tree;
}

Status MutableTree::Load() const {
  if (loaded_) return {};
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, source_->ReadDirTree(stored_->tree));
  OCITREE_ASSIGN_OR_RETURN(meta_, source_->ReadDirMeta(stored_->meta));
  for (const auto& f : tree.files) files_[f.name] = f.content;
  for (const auto& d : tree.dirs) dirs_[d.name] = FromStored(*source_, {d.tree, d.meta});
  loaded_ = true;
  return {};
}

Status MutableTree::SetMeta(const DirMeta& meta) {
  OCITREE_RETURN_IF_ERROR(Load());
  meta_ = meta;
  return {};
}

Result<DirMeta> MutableTree::meta() const {
  OCITREE_RETURN_IF_ERROR(Load());
  return meta_;
}

Status MutableTree::SetFile(const std::string& name, const Checksum& content) {
  if (!IsValidFileName(name)) return InvalidArgument("invalid file name '" + name + "'");
  OCITREE_RETURN_IF_ERROR(Load());
  if (dirs_.count(name)) return Status::Error(ErrorCode::kAlreadyExists, "can't replace directory '" + name + "' with a file");
  files_[name] = content;
  return {};
}

Result<MutableTree*> MutableTree::EnsureDir(const std::string& name, const DirMeta& default_meta) {
  if (!IsValidFileName(name)) return InvalidArgument("invalid directory name '" + name + "'");
  OCITREE_RETURN_IF_ERROR(Load());
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

void MutableTree::ReplaceWithStored(const TreeSource& source, const Written& stored) {
  source_ = &source;
  stored_ = stored;
  loaded_ = false;
  files_.clear();
  dirs_.clear();
}

Status MutableTree::AdoptStored(const std::string& name, const TreeSource& source, const Written& stored) {
  if (!IsValidFileName(name)) return InvalidArgument("invalid directory name '" + name + "'");
  OCITREE_RETURN_IF_ERROR(Load());
  files_.erase(name);
  dirs_[name] = FromStored(source, stored);
  return {};
}

Result<const Checksum*> MutableTree::FindFile(const std::string& name) const {
  OCITREE_RETURN_IF_ERROR(Load());
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

Result<MutableTree*> MutableTree::FindDir(const std::string& name) {
  OCITREE_RETURN_IF_ERROR(Load());
  auto it = dirs_.find(name);
  return it == dirs_.end() ? nullptr : it->second.get();
}

Result<bool> MutableTree::Remove(const std::string& name) {
  OCITREE_RETURN_IF_ERROR(Load());
  return files_.erase(name) + dirs_.erase(name) > 0;
}

Status MutableTree::Clear() {
  if (!loaded_) {
    // Only the directory's own metadata survives: no need to read its listing.
    OCITREE_ASSIGN_OR_RETURN(meta_, source_->ReadDirMeta(stored_->meta));
    loaded_ = true;
  }
  files_.clear();
  dirs_.clear();
  return {};
}

Result<const Checksum*> MutableTree::FindFileAtPath(std::string_view path) const {
  const MutableTree* node = this;
  size_t start = 0;
  for (;;) {
    OCITREE_RETURN_IF_ERROR(node->Load());
    size_t end = path.find('/', start);
    std::string part(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      auto it = node->files_.find(part);
      return it == node->files_.end() ? nullptr : &it->second;
    }
    auto it = node->dirs_.find(part);
    if (it == node->dirs_.end()) return static_cast<const Checksum*>(nullptr);
    node = it->second.get();
    start = end + 1;
  }
}

Result<MutableTree::Written> MutableTree::Write(Transaction& txn) const {
  if (!loaded_) return *stored_;
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
