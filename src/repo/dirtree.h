// The dirtree object (a(say)a(sayay)): a directory's files and subdirectories,
// each list sorted by name (FORMATS 2.3).
#ifndef OCITREE_REPO_DIRTREE_H_
#define OCITREE_REPO_DIRTREE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/checksum.h"
#include "ocitree/status.h"

namespace ocitree {

struct DirTree {
  struct File {
    std::string name;
    Checksum content;
  };
  struct Dir {
    std::string name;
    Checksum tree;
    Checksum meta;
  };
  std::vector<File> files;  // regular files and symlinks
  std::vector<Dir> dirs;

  const File* FindFile(std::string_view name) const;
  const Dir* FindDir(std::string_view name) const;
};

// A valid OSTree file name: non-empty, not "." or "..", no "/", UTF-8.
bool IsValidFileName(std::string_view name);
bool IsValidUtf8(std::string_view s);

// Serialises; the lists must already be sorted and unique.
Bytes SerializeDirTree(const DirTree& tree);
// Parses and checks names, order and checksum lengths.
Result<DirTree> ParseDirTree(ByteView bytes);

}  // namespace ocitree

#endif  // OCITREE_REPO_DIRTREE_H_
