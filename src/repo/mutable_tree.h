// A directory tree being built in memory: names map to content checksums or
// to subtrees. Write() turns it into dirtree/dirmeta objects, bottom-up.
#ifndef OCITREE_REPO_MUTABLE_TREE_H_
#define OCITREE_REPO_MUTABLE_TREE_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/checksum.h"
#include "repo/file_meta.h"
#include "repo/transaction.h"

namespace ocitree {

class MutableTree {
 public:
  MutableTree();

  void SetMeta(const DirMeta& meta) { meta_ = meta; }
  const DirMeta& meta() const { return meta_; }

  // Adds or replaces a file (or symlink). Fails if `name` is a directory.
  Status SetFile(const std::string& name, const Checksum& content);
  // Returns the subdirectory `name`, creating it with `default_meta` if it
  // does not exist. Fails if `name` is a file.
  Result<MutableTree*> EnsureDir(const std::string& name, const DirMeta& default_meta);
  // Walks "a/b/c" from this tree, creating missing directories.
  Result<MutableTree*> EnsurePath(std::string_view path, const DirMeta& default_meta);

  const Checksum* FindFile(const std::string& name) const;
  MutableTree* FindDir(const std::string& name);
  // Removes `name` (file or whole subtree); false if it was not there.
  bool Remove(const std::string& name);
  // Removes every child; the directory's own metadata stays.
  void Clear();
  // Walks "a/b/c" (no symlinks followed); nullptr if a component is missing.
  const Checksum* FindFileAtPath(std::string_view path) const;
  size_t size() const { return files_.size() + dirs_.size(); }

  struct Written {
    Checksum tree;
    Checksum meta;
  };
  // Writes this tree and all subtrees; returns the root checksums.
  Result<Written> Write(Transaction& txn) const;

 private:
  DirMeta meta_;
  std::map<std::string, Checksum> files_;
  std::map<std::string, std::unique_ptr<MutableTree>> dirs_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_MUTABLE_TREE_H_
