// One member of a tar archive as TarReader reports it: the header fields
// after GNU long-name records and PAX extended/global headers are applied.
#ifndef OCITREE_TAR_TAR_ENTRY_H_
#define OCITREE_TAR_TAR_ENTRY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ocitree::tar {

enum class EntryType {
  kRegular,      // typeflag '0', '\0' (without trailing '/'), '7'
  kDirectory,    // '5', or '\0' with a name ending in '/' (old V7 archives)
  kSymlink,      // '2'
  kHardlink,     // '1'
  kCharDevice,   // '3'
  kBlockDevice,  // '4'
  kFifo,         // '6'
};

std::string_view EntryTypeName(EntryType type);

struct Entry {
  // Exactly as in the archive (PAX 'path' > GNU 'L' > ustar prefix "/" name):
  // no "./" stripping, no normalisation. Callers validate.
  std::string path;
  // PAX 'linkpath' > GNU 'K' > ustar linkname; hardlinks and symlinks only.
  std::string link_target;
  EntryType type = EntryType::kRegular;
  uint32_t mode = 0;  // permission bits only (07777); the type is in `type`
  uint32_t uid = 0;
  uint32_t gid = 0;
  // Content bytes that follow the header. Always 0 for types other than
  // kRegular: like Go's archive/tar (and so tar-split and the container
  // runtimes) the size field of header-only types is not data.
  uint64_t size = 0;
  int64_t mtime = 0;         // seconds since the epoch, may be negative
  uint32_t mtime_nsec = 0;   // from a fractional PAX mtime, else 0
  uint32_t dev_major = 0;    // devices only
  uint32_t dev_minor = 0;
  std::string uname;
  std::string gname;
  // Extended attributes in archive order (global ones first); from PAX
  // SCHILY.xattr.NAME (raw value) and LIBARCHIVE.xattr.NAME (URL-escaped
  // name, base64 value). A name given twice keeps its first position and the
  // last value. Empty values are real, empty xattrs.
  std::vector<std::pair<std::string, std::string>> xattrs;
  // Every PAX record in effect for this entry: global records overlaid by the
  // entry's extended records, as written. An empty value is kept here; for the
  // typed fields above it means "use the ustar field" (POSIX deletion), except
  // for xattrs, where it is an empty value.
  std::map<std::string, std::string> pax_records;
};

}  // namespace ocitree::tar

#endif  // OCITREE_TAR_TAR_ENTRY_H_
