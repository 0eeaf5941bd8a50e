#include "repo/diff.h"

#include <map>

namespace ocitree {

namespace {

struct DiffLists {
  std::vector<DiffEntry> modified, deleted, added;
};

// Every path below a directory, for whole added or deleted subtrees.
Status CollectAll(const ObjectStore& store, const Checksum& tree_c, const std::string& path, char kind,
                  std::vector<DiffEntry>* out) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, store.ReadDirTree(tree_c));
  for (const auto& f : tree.files) out->push_back({kind, path + "/" + f.name});
  for (const auto& d : tree.dirs) {
    out->push_back({kind, path + "/" + d.name});
    OCITREE_RETURN_IF_ERROR(CollectAll(store, d.tree, path + "/" + d.name, kind, out));
  }
  return {};
}

// ostree diff semantics: a name whose type changes is "M"; a deleted
// directory is one "D" line; an added directory lists all it contains.
Status DiffTrees(const ObjectStore& store, const Checksum& a_c, const Checksum& b_c, const std::string& path,
                 DiffLists* out) {
  if (a_c == b_c) return {};
  OCITREE_ASSIGN_OR_RETURN(DirTree a, store.ReadDirTree(a_c));
  OCITREE_ASSIGN_OR_RETURN(DirTree b, store.ReadDirTree(b_c));
  for (const auto& f : a.files) {
    std::string p = path + "/" + f.name;
    if (const auto* g = b.FindFile(f.name)) {
      if (g->content != f.content) out->modified.push_back({'M', p});
    } else if (b.FindDir(f.name)) {
      out->modified.push_back({'M', p});
    } else {
      out->deleted.push_back({'D', p});
    }
  }
  for (const auto& f : b.files)
    if (!a.FindFile(f.name) && !a.FindDir(f.name)) out->added.push_back({'A', path + "/" + f.name});
  for (const auto& d : a.dirs) {
    std::string p = path + "/" + d.name;
    if (const auto* e = b.FindDir(d.name)) {
      if (e->meta != d.meta) out->modified.push_back({'M', p});
      OCITREE_RETURN_IF_ERROR(DiffTrees(store, d.tree, e->tree, p, out));
    } else if (b.FindFile(d.name)) {
      out->modified.push_back({'M', p});
    } else {
      out->deleted.push_back({'D', p});
    }
  }
  for (const auto& d : b.dirs) {
    if (a.FindDir(d.name) || a.FindFile(d.name)) continue;
    std::string p = path + "/" + d.name;
    out->added.push_back({'A', p});
    OCITREE_RETURN_IF_ERROR(CollectAll(store, d.tree, p, 'A', &out->added));
  }
  return {};
}

}  // namespace

Result<std::vector<DiffEntry>> DiffCommits(const ObjectStore& store, const Checksum& from, const Checksum& to) {
  OCITREE_ASSIGN_OR_RETURN(CommitObject a, store.ReadCommit(from));
  OCITREE_ASSIGN_OR_RETURN(CommitObject b, store.ReadCommit(to));
  DiffLists lists;
  if (a.root_meta != b.root_meta) lists.modified.push_back({'M', "/"});
  OCITREE_RETURN_IF_ERROR(DiffTrees(store, a.root_tree, b.root_tree, "", &lists));
  std::vector<DiffEntry> out = std::move(lists.modified);
  out.insert(out.end(), lists.deleted.begin(), lists.deleted.end());
  out.insert(out.end(), lists.added.begin(), lists.added.end());
  return out;
}

}  // namespace ocitree
