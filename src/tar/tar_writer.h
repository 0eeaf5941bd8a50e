// A small deterministic tar writer: the same entries always give the same
// bytes, so exported layers have reproducible digests.
//
// Format: POSIX ustar headers, with a PAX extended header ('x') before an
// entry only when ustar cannot say something exactly:
//   - path: longer than ustar holds (100-byte name, or a 155-byte prefix and
//     a 100-byte name split at a '/'), or not ASCII (PAX text is UTF-8 by
//     definition; ustar fields have no charset). The ustar name field then
//     holds the path's ASCII bytes (others as '_') cut to 100 bytes, for
//     readers without PAX.
//   - linkpath: the same rule for the link target (100 bytes).
//   - size: over 8 GiB - 1 (11 octal digits); uid, gid: over 2097151
//     (7 octal digits); mtime: negative or past 11 octal digits. The ustar
//     field is then 0.
//   - xattrs: "SCHILY.xattr.NAME" with the raw (binary) value, as GNU tar,
//     bsdtar and Go's archive/tar read them.
// PAX records are sorted by key (bytewise), each written once. The PAX
// header block is named "PaxHeaders/<basename of the entry path>" (ASCII,
// others as '_', cut to 100 bytes), mode 0644, owner 0:0, mtime 0.
//
// Every header: magic "ustar\0" version "00", empty uname and gname,
// devmajor/devminor 0, numbers as zero-filled octal with a NUL terminator,
// checksum "%06o\0 ". Content is padded with zeros to 512 bytes; Finish
// writes two zero blocks and no record padding (as Go's archive/tar, unlike
// GNU tar's 10240-byte records).
//
// Paths are written exactly as given (no "./" added or removed): callers
// pick the convention, e.g. a trailing '/' on directory names.
#ifndef OCITREE_TAR_TAR_WRITER_H_
#define OCITREE_TAR_TAR_WRITER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/io.h"
#include "ocitree/status.h"
#include "tar/tar_entry.h"

namespace ocitree::tar {

struct TarWriteEntry {
  std::string path;
  // kRegular, kDirectory, kSymlink or kHardlink; others are kUnsupported.
  EntryType type = EntryType::kRegular;
  uint32_t mode = 0644;  // permission bits, at most 07777
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime = 0;  // seconds since the epoch
  // Content bytes; kRegular only (0 for every other type).
  uint64_t size = 0;
  // Symlinks: the target. Hardlinks: the path of an earlier entry.
  std::string link_target;
  // Written sorted by name whatever the order here; names must be non-empty,
  // unique, and free of NUL and '='. Values are raw bytes (may be empty).
  std::vector<std::pair<std::string, std::string>> xattrs;
};

class TarWriter {
 public:
  // Writes to `out`, which must outlive the writer.
  explicit TarWriter(ByteSink& out) : out_(out) {}
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Writes the entry's headers. The previous entry's content must be
  // complete. An entry the format cannot hold (empty path, NUL bytes, bad
  // xattr names, mode over 07777, size on a non-regular entry, a link
  // without a target) is kInvalidArgument, and nothing is written for it.
  Status AddEntry(const TarWriteEntry& entry);
  // Streams the current entry's content; the total must reach exactly the
  // declared size (more is kInvalidArgument). The zero padding follows
  // automatically once the last byte is written.
  Status WriteContent(ByteView data);
  // Ends the archive with two zero blocks. The last entry's content must be
  // complete. Nothing may be added afterwards.
  Status Finish();

  // Bytes handed to the sink so far.
  uint64_t bytes_written() const { return written_; }

 private:
  Status Emit(ByteView bytes);
  Status CheckContentComplete();
  Status Fail(Status s);

  ByteSink& out_;
  Status error_;  // sticky: after a failure the archive is unusable
  bool finished_ = false;
  std::string current_path_;
  uint64_t content_size_ = 0;
  uint64_t content_written_ = 0;
  uint64_t written_ = 0;
};

}  // namespace ocitree::tar

#endif  // OCITREE_TAR_TAR_WRITER_H_
