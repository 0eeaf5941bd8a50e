// The metadata of a content object (regular file or symlink) and the two
// headers OSTree builds from it: the checksum header (uuuusa(ayay)) and the
// archive `.filez` header (tuuuusa(ayay)) that adds the size (FORMATS 2.4, 3.4).
#ifndef OCITREE_REPO_FILE_META_H_
#define OCITREE_REPO_FILE_META_H_

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/checksum.h"
#include "repo/xattrs.h"

namespace ocitree {

struct FileMeta {
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t mode = S_IFREG | 0644;  // full st_mode: S_IFREG or S_IFLNK + bits
  std::string symlink_target;      // only for symlinks
  Xattrs xattrs;                   // canonical (sorted)

  bool is_symlink() const { return S_ISLNK(mode); }
  bool is_regular() const { return S_ISREG(mode); }
};

// Type and permission bits OSTree accepts for content.
Status ValidateFileMeta(const FileMeta& meta);

// The header variant (no length prefix).
Bytes SerializeFileHeader(const FileMeta& meta);
Bytes SerializeArchiveHeader(const FileMeta& meta, uint64_t size);
// u32be(len) || 4 zero bytes || header: what precedes the payload.
Bytes LengthPrefixed(const Bytes& header);

Result<FileMeta> ParseFileHeader(ByteView header);
// Parses an archive header; returns the uncompressed size too.
Result<FileMeta> ParseArchiveHeader(ByteView header, uint64_t* size);

// Checksums content incrementally: Begin(meta), Update(payload)..., Finish().
class ContentHasher {
 public:
  void Begin(const FileMeta& meta);
  void Update(ByteView payload) { sha_.Update(payload); }
  Checksum Finish() { return sha_.Finish(); }

 private:
  Sha256 sha_;
};

// The dirmeta object (uuua(ayay)) of a directory.
struct DirMeta {
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t mode = S_IFDIR | 0755;
  Xattrs xattrs;
};

Bytes SerializeDirMeta(const DirMeta& meta);
Result<DirMeta> ParseDirMeta(ByteView bytes);

}  // namespace ocitree

#endif  // OCITREE_REPO_FILE_META_H_
