#include "bridge/layer_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <iterator>

#include "bridge/layer_fold.h"
#include "repo/commit.h"
#include "repo/dirtree.h"
#include "repo/tree_path.h"
#include "base/whiteout.h"

namespace ocitree {

namespace {


ImportEntry::Type HookType(tar::EntryType t) {
  switch (t) {
    case tar::EntryType::kDirectory: return ImportEntry::Type::kDirectory;
    case tar::EntryType::kSymlink: return ImportEntry::Type::kSymlink;
    case tar::EntryType::kHardlink: return ImportEntry::Type::kHardlink;
    default: return ImportEntry::Type::kRegular;
  }
}

Xattrs ToXattrs(const std::vector<std::pair<std::string, std::string>>& in) {
  Xattrs out;
  // Empty values cannot travel through PAX headers (umoci drops them too).
  for (const auto& [name, value] : in)
    if (!value.empty()) out.push_back({name, Bytes(value.begin(), value.end())});
  return out;
}

}  // namespace

LayerReader::LayerReader(Transaction& txn, const ImportHooks& hooks, RecipeWriter* recipe)
    : txn_(txn), hooks_(hooks), root_(std::make_unique<LayerNode>()), recipe_(recipe) {}

Status LayerReader::ReadAll(tar::TarReader& reader) {
  tar::Entry entry;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(bool more, reader.Next(&entry));
    if (!more) return {};
    stats_.entries++;
    entry_content_.reset();
    OCITREE_RETURN_IF_ERROR(Add(reader, entry));
    if (recipe_ != nullptr) OCITREE_RETURN_IF_ERROR(AddToRecipe(reader, entry));
  }
}

Status LayerReader::AddToRecipe(tar::TarReader& reader, const tar::Entry& entry) {
  uint64_t size = entry.size;
  if (size > 0 && !entry_content_) {
    // Data the tree does not take (a device node with a size, a moot
    // whiteout): the rebuilt tar still needs it.
    if (reader.content_remaining() != size)
      return Internal("layer reader consumed part of " + entry.path + " without storing it");
    FileMeta meta;
    meta.mode = S_IFREG | 0644;
    CanonicalizeForMode(txn_.store().mode(), &meta);
    auto w = txn_.WriteContent(meta, reader.content(), size);
    if (!w.ok()) return w.status().WithContext(entry.path);
    entry_content_ = w->checksum;
    displaced_.push_back(w->checksum);
  }
  if (reader.content_remaining() != 0) return Internal("content of " + entry.path + " left unread");
  std::optional<Checksum> content;
  if (size > 0) content = entry_content_;
  return recipe_->AddEntry(reader.raw_header(), content, size, reader.padding()).WithContext(entry.path);
}

namespace {

// Marks the candidates the tree lists (folded directories read back).
Status MarkListed(const LayerNode& node, const TreeSource& source, const std::vector<Checksum>& candidates,
                  std::vector<bool>* listed) {
  auto mark = [&](const Checksum& c) {
    auto it = std::lower_bound(candidates.begin(), candidates.end(), c);
    if (it != candidates.end() && *it == c) (*listed)[static_cast<size_t>(it - candidates.begin())] = true;
  };
  if (node.folded) return ForEachStoredContent(source, node.folded->written.tree, mark);
  if (node.marks)
    for (const auto& [name, content] : node.marks->markers) mark(content);
  for (const auto& [name, child] : node.children) {
    if (child->is_dir)
      OCITREE_RETURN_IF_ERROR(MarkListed(*child, source, candidates, listed));
    else
      mark(child->content);
  }
  return {};
}

}  // namespace

Result<std::vector<Checksum>> LayerReader::RecipeExtras(ByteView recipe) const {
  // Extras = what the recipe references minus what the tree lists. Only the
  // displaced contents can be in the first set and not the second.
  std::vector<Checksum> candidates = displaced_;
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<bool> needed(candidates.size()), listed(candidates.size());
  if (candidates.empty()) return candidates;
  OCITREE_RETURN_IF_ERROR(ForEachRecipeContent(recipe, [&](const Checksum& c) {
    auto it = std::lower_bound(candidates.begin(), candidates.end(), c);
    if (it != candidates.end() && *it == c) needed[static_cast<size_t>(it - candidates.begin())] = true;
  }));
  if (root_) OCITREE_RETURN_IF_ERROR(MarkListed(*root_, txn_, candidates, &listed));
  std::vector<Checksum> extras;
  for (size_t i = 0; i < candidates.size(); i++)
    if (needed[i] && !listed[i]) extras.push_back(candidates[i]);
  return extras;
}

Status LayerReader::AddWhiteout(tar::TarReader& reader, const tar::Entry& raw, const ImportEntry& entry,
                                const std::vector<std::string>& parts) {
  const std::string& base = parts.back();
  bool through_file = false;
  const LayerNode* parent = root_->Find(parts, parts.size() - 1, &through_file);
  // Below a path this layer itself turned into a file, lower content is gone
  // anyway: the whiteout is moot (umoci writes such layers).
  if (through_file || (parent != nullptr && !parent->is_dir)) return {};
  std::string target = base.substr(kWhiteoutPrefix.size());
  bool opaque = base == kOpaqueMarker;
  bool aufs_meta = !opaque && target.rfind(".wh.", 0) == 0;  // .wh..wh.plnk and friends: not content
  if (!opaque && !aufs_meta && !IsValidFileName(target))
    return InvalidArgument("whiteout names an invalid file: " + JoinTreePath(parts));
  // The marker itself is kept as the empty file the tar has, for layer commits.
  ImportEntry marker = entry;
  marker.type = ImportEntry::Type::kRegular;
  OCITREE_ASSIGN_OR_RETURN(Checksum content, WriteContent(reader, raw, marker));
  LayerNode* dir = root_->EnsureDir(parts, parts.size() - 1, Displaced());
  LayerNode::Marks& marks = dir->EnsureMarks();
  auto [it, added] = marks.markers.try_emplace(base, content);
  if (!added) {
    if (recipe_ != nullptr) displaced_.push_back(it->second);
    it->second = content;
  }
  if (opaque) dir->opaque = true;
  if (!opaque && !aufs_meta) marks.whiteouts.insert(target);
  return {};
}

Result<LayerReader::LinkSource> LayerReader::ResolveHardlink(const std::string& target) {
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> parts, NormalizeArchivePath(target));
  std::string path = JoinTreePath(parts);
  if (path.empty()) return InvalidArgument("hardlink to the image root");
  // A file this layer already has: the tree holds what it stands for (no
  // path-to-file map: that cost ~150 bytes a file on big layers).
  const LayerNode* node = root_.get();
  for (size_t i = 0; i < parts.size() && node != nullptr; i++) {
    if (!node->is_dir) return LinkSource{std::nullopt, path};
    if (node->folded) {
      OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> content, FindFoldedFile(txn_, *node->folded, parts, i));
      if (content) return LinkSource{*content, {}};
      return LinkSource{std::nullopt, path};
    }
    auto it = node->children.find(parts[i]);
    node = it == node->children.end() ? nullptr : it->second.get();
  }
  if (node != nullptr && !node->is_dir) {
    if (node->lower_link) return LinkSource{std::nullopt, *node->lower_link};
    return LinkSource{node->content, {}};
  }
  return LinkSource{std::nullopt, path};
}

namespace {

Status ResolveNode(LayerNode* node, const MutableTree& lower, std::string& path) {
  for (auto& [name, child] : node->children) {
    size_t len = path.size();
    path += (path.empty() ? "" : "/") + name;
    if (child->is_dir) {
      OCITREE_RETURN_IF_ERROR(ResolveNode(child.get(), lower, path));
    } else if (child->lower_link) {
      OCITREE_ASSIGN_OR_RETURN(const Checksum* content, lower.FindFileAtPath(*child->lower_link));
      if (content == nullptr)
        return InvalidArgument("hardlink to '" + *child->lower_link + "', which is not a file of this image")
            .WithContext(path);
      child->content = *content;
      child->lower_link.reset();
    }
    path.resize(len);
  }
  return {};
}

}  // namespace

Status ResolveLowerLinks(LayerNode* layer, const MutableTree& lower) {
  std::string path;
  return ResolveNode(layer, lower, path);
}

Result<Checksum> LayerReader::WriteContent(tar::TarReader& reader, const tar::Entry& raw, const ImportEntry& entry) {
  FileMeta meta;
  meta.uid = entry.uid;
  meta.gid = entry.gid;
  meta.xattrs = ToXattrs(entry.xattrs);
  OCITREE_RETURN_IF_ERROR(CanonicalizeXattrs(&meta.xattrs));
  uint64_t size = 0;
  if (entry.type == ImportEntry::Type::kSymlink) {
    if (entry.link_target.empty()) return InvalidArgument("symlink with an empty target");
    if (!IsValidUtf8(entry.link_target) || entry.link_target.find('\0') != std::string::npos)
      return InvalidArgument("symlink target is not valid UTF-8 (OSTree cannot store it)");
    meta.mode = S_IFLNK | 0777;
    meta.symlink_target = entry.link_target;
  } else {
    meta.mode = S_IFREG | (entry.mode & 07777);
    size = raw.size;
  }
  CanonicalizeForMode(txn_.store().mode(), &meta);
  OCITREE_ASSIGN_OR_RETURN(Transaction::ContentWrite w, txn_.WriteContent(meta, reader.content(), size));
  if (meta.is_symlink()) symlinks_[w.checksum] = meta.symlink_target;
  if (size > 0) entry_content_ = w.checksum;
  (w.existed ? stats_.files_existing : stats_.files_written)++;
  stats_.bytes += size;
  return w.checksum;
}

Status LayerReader::MoveTo(const std::vector<std::string>& parts, size_t count) {
  size_t common = 0;
  while (common < open_.size() && common < count && open_[common] == parts[common]) common++;
  if (common == open_.size() && common == count) return {};
  if (folding()) {
    // Deepest first: a directory folds only once its subdirectories have.
    for (size_t depth = open_.size(); depth > common; depth--) {
      LayerNode* dir = root_.get();
      for (size_t i = 0; i < depth && dir != nullptr; i++) {
        auto it = dir->children.find(open_[i]);
        dir = it == dir->children.end() || !it->second->is_dir ? nullptr : it->second.get();
      }
      if (dir != nullptr && CanFold(*dir)) OCITREE_RETURN_IF_ERROR(FoldDir(txn_, dir));
    }
  }
  open_.assign(parts.begin(), parts.begin() + static_cast<long>(count));
  LayerNode* dir = root_.get();
  for (size_t i = 0; i < count; i++) {
    auto it = dir->children.find(parts[i]);
    if (it == dir->children.end() || !it->second->is_dir) break;
    dir = it->second.get();
    OCITREE_RETURN_IF_ERROR(UnfoldDir(txn_, dir));
  }
  return {};
}

Status LayerReader::Add(tar::TarReader& reader, const tar::Entry& raw) {
  if (raw.type == tar::EntryType::kCharDevice || raw.type == tar::EntryType::kBlockDevice ||
      raw.type == tar::EntryType::kFifo) {
    if (stats_.special_skipped++ == 0) stats_.first_special = raw.path;
    return {};
  }
  ImportEntry entry{HookType(raw.type), raw.path, raw.link_target, raw.mode, raw.uid, raw.gid, raw.xattrs};
  if (hooks_.on_entry && !hooks_.on_entry(entry)) return {};
  auto parts_or = NormalizeArchivePath(entry.path);
  if (!parts_or.ok()) return parts_or.status();
  std::vector<std::string> parts = std::move(parts_or).value();
  auto context = [&](const Status& s) { return s.WithContext(raw.path); };
  const bool is_dir_entry = entry.type == ImportEntry::Type::kDirectory;
  OCITREE_RETURN_IF_ERROR(context(MoveTo(parts, is_dir_entry || parts.empty() ? parts.size() : parts.size() - 1)));

  if (parts.empty()) {
    if (entry.type != ImportEntry::Type::kDirectory) return InvalidArgument("a non-directory entry names the image root");
    DirMeta meta{entry.uid, entry.gid, S_IFDIR | (entry.mode & 07777), ToXattrs(entry.xattrs)};
    OCITREE_RETURN_IF_ERROR(context(CanonicalizeXattrs(&meta.xattrs)));
    CanonicalizeForMode(txn_.store().mode(), &meta);
    root_->meta = std::make_unique<DirMeta>(std::move(meta));
    return {};
  }
  if (parts.back().rfind(kWhiteoutPrefix, 0) == 0) return context(AddWhiteout(reader, raw, entry, parts));

  if (entry.type == ImportEntry::Type::kDirectory) {
    LayerNode* dir = root_->EnsureDir(parts, parts.size(), Displaced());
    DirMeta meta{entry.uid, entry.gid, S_IFDIR | (entry.mode & 07777), ToXattrs(entry.xattrs)};
    OCITREE_RETURN_IF_ERROR(context(CanonicalizeXattrs(&meta.xattrs)));
    CanonicalizeForMode(txn_.store().mode(), &meta);
    dir->meta = std::make_unique<DirMeta>(std::move(meta));
    return {};
  }
  LinkSource source;
  if (entry.type == ImportEntry::Type::kHardlink) {
    auto link = ResolveHardlink(entry.link_target);
    if (!link.ok()) return context(link.status());
    source = *link;
  } else {
    auto c = WriteContent(reader, raw, entry);
    if (!c.ok()) return context(c.status());
    source.content = *c;
  }
  LayerNode* parent = root_->EnsureDir(parts, parts.size() - 1, Displaced());
  auto node = std::make_unique<LayerNode>();
  node->is_dir = false;
  if (source.content) {
    node->content = *source.content;
  } else {
    node->lower_link = std::make_unique<std::string>(std::move(source.lower_path));
    lower_links_++;
  }
  std::unique_ptr<LayerNode>& slot = parent->children[parts.back()];
  if (slot && recipe_ != nullptr)  // a later entry replaces it
    OCITREE_RETURN_IF_ERROR(context(CollectContents(*slot, &txn_, &displaced_)));
  slot = std::move(node);
  return {};
}

}  // namespace ocitree
