// Extended attributes as OSTree records them: a(ayay) with each name's
// trailing NUL included, sorted by name (strcmp), no duplicates.
#ifndef OCITREE_REPO_XATTRS_H_
#define OCITREE_REPO_XATTRS_H_

#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "gvariant/view.h"
#include "ocitree/status.h"

namespace ocitree {

struct Xattr {
  std::string name;  // without the NUL
  Bytes value;
  friend bool operator==(const Xattr&, const Xattr&) = default;
};
using Xattrs = std::vector<Xattr>;

// Sorts by name and rejects duplicates or empty names.
Status CanonicalizeXattrs(Xattrs* xattrs);
// Serialises as a(ayay); `xattrs` must be canonical.
Bytes SerializeXattrs(const Xattrs& xattrs);
// Reads an a(ayay) view, checking names are NUL-terminated. The order is
// kept as stored: older ostree tar imports wrote unsorted lists, and the
// checksum covers the order.
Result<Xattrs> ParseXattrs(const gvariant::View& view);

// Reads a file's xattrs (by fd, or by path for symlinks), sorted. Skips empty
// values as ostree does when it reads from disk.
Result<Xattrs> ReadXattrsFd(int fd);
Result<Xattrs> ReadXattrsPath(const std::string& proc_path_or_path, bool follow);
Status WriteXattrsFd(int fd, const Xattrs& xattrs);
Status WriteXattrsPath(const std::string& path, const Xattrs& xattrs);

}  // namespace ocitree

#endif  // OCITREE_REPO_XATTRS_H_
