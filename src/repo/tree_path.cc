#include "repo/tree_path.h"

#include "repo/dirtree.h"

namespace ocitree {

Result<std::vector<std::string>> SplitTreePath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "." || part == "..") return InvalidArgument("path may not contain '.' or '..': " + std::string(path));
    if (!part.empty()) parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

Result<std::vector<std::string>> NormalizeArchivePath(std::string_view raw) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('/', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view part = raw.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return InvalidArgument("path climbs out of the root: " + std::string(raw));
    if (!IsValidFileName(part)) return InvalidArgument("path is not valid UTF-8 (OSTree cannot store it): " + std::string(raw));
    parts.emplace_back(part);
  }
  return parts;
}

std::string JoinTreePath(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

Result<TreeNode> ResolveTreePath(const ObjectStore& store, const CommitObject& commit, std::string_view path) {
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitTreePath(path));
  TreeNode node;
  node.tree = commit.root_tree;
  node.meta = commit.root_meta;
  std::string walked;
  for (size_t i = 0; i < parts.size(); i++) {
    walked += "/" + parts[i];
    if (!node.is_dir) return NotFound("not a directory: " + walked);
    OCITREE_ASSIGN_OR_RETURN(DirTree tree, store.ReadDirTree(node.tree));
    if (const DirTree::Dir* d = tree.FindDir(parts[i])) {
      node.tree = d->tree;
      node.meta = d->meta;
    } else if (const DirTree::File* f = tree.FindFile(parts[i])) {
      node.is_dir = false;
      node.content = f->content;
    } else {
      return NotFound("no such file or directory in the tree: " + walked);
    }
  }
  return node;
}

}  // namespace ocitree
