// A directory tree being built in memory: names map to content checksums or
// to subtrees. Write() turns it into dirtree/dirmeta objects, bottom-up.
//
// A subtree may also stand for a stored one (FromStored): it is read from the
// repository only when something looks inside it, and written back by
// checksum, without any I/O, if nothing did. Merging image layers relies on
// this: a merge costs what the top layers change, not the size of the base.
#ifndef OCITREE_REPO_MUTABLE_TREE_H_
#define OCITREE_REPO_MUTABLE_TREE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/checksum.h"
#include "repo/file_meta.h"
#include "repo/transaction.h"

namespace ocitree {

class MutableTree {
 public:
  struct Written {
    Checksum tree;
    Checksum meta;
  };

  MutableTree();
  // A tree that stands for the stored dirtree/dirmeta pair until it is read.
  static std::unique_ptr<MutableTree> FromStored(const TreeSource& source, const Written& stored);

  Status SetMeta(const DirMeta& meta);
  Result<DirMeta> meta() const;

  // Adds or replaces a file (or symlink). Fails if `name` is a directory.
  Status SetFile(const std::string& name, const Checksum& content);
  // Returns the subdirectory `name`, creating it with `default_meta` if it
  // does not exist. Fails if `name` is a file.
  Result<MutableTree*> EnsureDir(const std::string& name, const DirMeta& default_meta);
  // Walks "a/b/c" from this tree, creating missing directories.
  Result<MutableTree*> EnsurePath(std::string_view path, const DirMeta& default_meta);
  // Makes this node stand for a stored tree, dropping what it held.
  void ReplaceWithStored(const TreeSource& source, const Written& stored);
  // Puts a tree stored in `source` at `name`, replacing whatever was there.
  Status AdoptStored(const std::string& name, const TreeSource& source, const Written& stored);

  Result<const Checksum*> FindFile(const std::string& name) const;
  Result<MutableTree*> FindDir(const std::string& name);
  // Removes `name` (file or whole subtree); false if it was not there.
  Result<bool> Remove(const std::string& name);
  // Removes every child; the directory's own metadata stays.
  Status Clear();
  // Walks "a/b/c" (no symlinks followed); nullptr if a component is missing.
  Result<const Checksum*> FindFileAtPath(std::string_view path) const;
  // True while this node was never read or changed (Write costs nothing).
  bool untouched() const { return stored_.has_value() && !loaded_; }

  // Writes this tree and all changed subtrees; returns the root checksums.
  Result<Written> Write(Transaction& txn) const;

 private:
  Status Load() const;

  const TreeSource* source_ = nullptr;
  std::optional<Written> stored_;  // what this node stands for, if anything
  mutable bool loaded_ = true;
  mutable DirMeta meta_;
  mutable std::map<std::string, Checksum> files_;
  mutable std::map<std::string, std::unique_ptr<MutableTree>> dirs_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_MUTABLE_TREE_H_
