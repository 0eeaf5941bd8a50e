// Library hooks: callbacks that let a caller adjust what an import writes.
#ifndef OCITREE_HOOKS_H_
#define OCITREE_HOOKS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ocitree {

// One layer entry as the import is about to store it. A hook may change any
// field; the path stays relative to the image root ("usr/bin/sh").
struct ImportEntry {
  enum class Type { kRegular, kDirectory, kSymlink, kHardlink };
  Type type = Type::kRegular;
  std::string path;
  std::string link_target;  // symlinks and hardlinks
  uint32_t mode = 0;        // permission bits (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

struct ImportHooks {
  // Called for every regular file, directory, symlink and hardlink of every
  // layer, in layer order, from one thread (not necessarily the caller's).
  // Return false to leave the entry out.
  std::function<bool(ImportEntry& entry)> on_entry;
  // Maps the image's OCI architecture ("amd64") to the name recorded as
  // ostree.architecture; the default follows FORMATS.md 9.3 ("x86_64").
  std::function<std::string(std::string_view oci_architecture)> map_architecture;
  // Puts the whole image below this directory ("files" for flatpak-style trees).
  std::string path_prefix;
};

}  // namespace ocitree

#endif  // OCITREE_HOOKS_H_
