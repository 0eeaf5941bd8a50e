// Small filesystem helpers over directory descriptors (*at calls), so that
// no path is ever resolved through a symlink the caller did not expect.
#ifndef OCITREE_BASE_FS_UTIL_H_
#define OCITREE_BASE_FS_UTIL_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/io.h"

namespace ocitree {

// Creates `rel` and its missing parents below dirfd (like mkdir -p).
Status MakeDirs(int dirfd, const std::string& rel, mode_t mode);
// Writes `data` to a temporary name beside `rel`, then renames it over `rel`.
Status WriteFileAtomically(int dirfd, const std::string& rel, ByteView data, mode_t mode, bool sync);
// The same, with the temporary file made in `tmp_dirfd` (same filesystem), so that a
// writer killed before the rename leaves nothing in the directory readers list.
// Its temporary files are named kReplaceTmpPrefix + random + ".tmp".
inline constexpr const char kReplaceTmpPrefix[] = "ocitree-replace-";
Status WriteFileAtomicallyVia(int tmp_dirfd, int dirfd, const std::string& rel, ByteView data, mode_t mode,
                              bool sync);
// "a/b/c/" -> {"a/b", "c"}; "c" -> {".", "c"}; "/c" -> {"/", "c"}.
std::pair<std::string, std::string> SplitParentPath(std::string path);
// Entry names of an open directory, sorted, without "." and "..".
Result<std::vector<std::string>> ListDirectory(int dirfd);
Result<std::string> ReadLinkAt(int dirfd, const std::string& rel);
// Deletes `name` below dirfd, recursively if it is a directory; never
// follows symlinks. A missing entry is not an error.
Status RemoveTreeAt(int dirfd, const std::string& name);
// A short random suffix for temporary names.
std::string RandomSuffix();
// An unnamed file for scratch data in the directory `rel` below dirfd, open
// for reading and writing: it vanishes when closed, also after a crash
// (O_TMPFILE; where the filesystem lacks it, a file unlinked at once).
Result<UniqueFd> OpenScratchFile(int dirfd, const std::string& rel);

}  // namespace ocitree

#endif  // OCITREE_BASE_FS_UTIL_H_
