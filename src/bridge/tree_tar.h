// A commit's tree written as a layer tar, deterministically: the same tree
// (and the same selection) always gives the same bytes.
//
//   - Order: depth first; in each directory the files, symlinks and
//     subdirectories merged by name (bytewise), each directory before what
//     it holds. The root is "./", directories "path/", others "path".
//   - Metadata: uid, gid, permission bits and xattrs (SCHILY.xattr.*) as the
//     objects have them; mtime 0 everywhere (OSTree keeps no times, and a
//     time taken from the commit would change every layer with every
//     commit); no user or group names.
//   - A regular file whose content object (same data, owner, mode, xattrs)
//     was already written in this tar becomes a hardlink to the first path:
//     OSTree has no hardlinks, only shared content, and that is what a
//     hardlink restores.
//   - Only the entries `include` selects are written, plus the directories
//     above them (each once, before its first selected entry).
//   - Names that OCI reads as whiteouts (".wh.*") cannot be exported: error.
//     What a layer cannot carry exactly is reported in `warnings` (empty
//     xattr values: PAX cannot hold them; symlink modes other than 0777).
#ifndef OCITREE_BRIDGE_TREE_TAR_H_
#define OCITREE_BRIDGE_TREE_TAR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "repo/object_store.h"
#include "tar/tar_writer.h"

namespace ocitree {

struct TreeTarOptions {
  // Whether the entry at `path` ("" for the root) goes into this tar.
  // Default: everything.
  std::function<bool(std::string_view path)> include;
  // Called after each entry written (cheap).
  std::function<void()> on_entry;
};

struct TreeTarStats {
  uint64_t entries = 0;  // tar entries written, directories above selected entries included
  uint64_t files = 0;
  uint64_t hardlinks = 0;
  uint64_t symlinks = 0;
  uint64_t directories = 0;
  uint64_t content_bytes = 0;
  std::vector<std::string> warnings;  // at most one per kind, with the first path
};

// Writes the tree (`root_tree`, `root_meta`) into `tar` and finishes it.
Status WriteTreeTar(const ObjectStore& store, const Checksum& root_tree, const Checksum& root_meta,
                    const TreeTarOptions& options, tar::TarWriter& tar, TreeTarStats* stats);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_TREE_TAR_H_
