#include "repo/list.h"

#include "repo/tree_path.h"

namespace ocitree {

namespace {

Result<TreeEntry> FileEntry(const ObjectStore& store, const Checksum& content, const std::string& path) {
  OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store.OpenContent(content));
  TreeEntry e;
  e.type = obj.meta.is_symlink() ? 'l' : '-';
  e.mode = obj.meta.mode & 07777;
  e.uid = obj.meta.uid;
  e.gid = obj.meta.gid;
  e.size = obj.meta.is_symlink() ? 0 : obj.size;  // ostree ls shows 0 for symlinks
  e.path = path;
  e.symlink_target = obj.meta.symlink_target;
  e.checksum = content.Hex();
  return e;
}

Result<TreeEntry> DirEntry(const ObjectStore& store, const Checksum& tree, const Checksum& meta_c,
                           const std::string& path) {
  OCITREE_ASSIGN_OR_RETURN(DirMeta meta, store.ReadDirMeta(meta_c));
  TreeEntry e;
  e.type = 'd';
  e.mode = meta.mode & 07777;
  e.uid = meta.uid;
  e.gid = meta.gid;
  e.path = path;
  e.checksum = tree.Hex();
  return e;
}

// ostree ls prints, per directory, files before subdirectories, and
// recurses into each subdirectory right after printing it.
Status ListChildren(const ObjectStore& store, const Checksum& tree_c, const std::string& path, bool recursive,
                    std::vector<TreeEntry>* out) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, store.ReadDirTree(tree_c));
  std::string prefix = path == "/" ? "/" : path + "/";
  for (const auto& f : tree.files) {
    OCITREE_ASSIGN_OR_RETURN(TreeEntry e, FileEntry(store, f.content, prefix + f.name));
    out->push_back(std::move(e));
  }
  for (const auto& d : tree.dirs) {
    OCITREE_ASSIGN_OR_RETURN(TreeEntry e, DirEntry(store, d.tree, d.meta, prefix + d.name));
    out->push_back(std::move(e));
    if (recursive) OCITREE_RETURN_IF_ERROR(ListChildren(store, d.tree, prefix + d.name, true, out));
  }
  return {};
}

std::string CanonicalPath(std::string_view path) {
  auto parts = SplitTreePath(path);
  std::string out;
  if (parts.ok())
    for (const auto& p : *parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace

Result<std::vector<TreeEntry>> ListTree(const ObjectStore& store, const Checksum& commit_c, std::string_view path,
                                        bool recursive) {
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(commit_c));
  OCITREE_ASSIGN_OR_RETURN(TreeNode node, ResolveTreePath(store, commit, path));
  std::string display = CanonicalPath(path);
  std::vector<TreeEntry> out;
  if (!node.is_dir) {
    OCITREE_ASSIGN_OR_RETURN(TreeEntry e, FileEntry(store, node.content, display));
    out.push_back(std::move(e));
    return out;
  }
  OCITREE_ASSIGN_OR_RETURN(TreeEntry self, DirEntry(store, node.tree, node.meta, display));
  out.push_back(std::move(self));
  OCITREE_RETURN_IF_ERROR(ListChildren(store, node.tree, display, recursive, &out));
  return out;
}

Status CatFile(const ObjectStore& store, const Checksum& commit_c, std::string_view path, int out_fd) {
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(commit_c));
  OCITREE_ASSIGN_OR_RETURN(TreeNode node, ResolveTreePath(store, commit, path));
  if (node.is_dir) return InvalidArgument(std::string(path) + " is a directory");
  OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store.OpenContent(node.content));
  if (obj.meta.is_symlink()) return WriteAll(out_fd, AsBytes(obj.meta.symlink_target), "stdout");
  std::vector<uint8_t> buf(256 * 1024);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, obj.payload->Read(buf));
    if (n == 0) return {};
    OCITREE_RETURN_IF_ERROR(WriteAll(out_fd, ByteView(buf.data(), n), "stdout"));
  }
}

}  // namespace ocitree
