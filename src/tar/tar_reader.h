// Streaming tar reader that keeps every non-content byte, so that the exact
// uncompressed tar can be rebuilt later from those bytes plus the content
// (the tar-split idea, FORMATS.md section 7). For every input:
//
//   input == for each entry: raw_header() + content + padding()
//            followed by trailer()
//
// where content is what ReadContent returned and padding() is taken after the
// content has been read to its end (content_remaining() == 0).
//
// Formats: ustar (prefix + name), V7, GNU (long names 'L', long links 'K',
// base-256 numbers), PAX extended 'x' and global 'g' headers, star prefixes.
// Sparse, multi-volume, volume-label, dump-dir and other vendor typeflags are
// kUnsupported. Malformed input is kCorrupt with the byte offset and the entry
// name in the message. Memory is bounded by Limits whatever the input.
//
// End of archive: normally two zero blocks, kept with anything after them
// (GNU tar pads to 10240-byte records) in trailer(). Also accepted, as Go's
// archive/tar does: one zero block followed by EOF, and EOF exactly at a
// block boundary with no zero blocks at all (missing_end_marker() reports
// it). A zero block followed by a non-zero block, or EOF inside a block, is
// kCorrupt.
//
// The reader owns the stream: it reads ahead (up to 128 KiB) and, at the end
// of the archive, consumes it to EOF. Memory stays bounded by Limits plus that
// buffer whatever the archive holds; content is never buffered whole.
#ifndef OCITREE_TAR_TAR_READER_H_
#define OCITREE_TAR_TAR_READER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/io.h"
#include "ocitree/status.h"
#include "tar/pax.h"
#include "tar/tar_entry.h"
#include "tar/tar_header.h"

namespace ocitree::tar {

// Every default is documented in docs/ARCHITECTURE.md ("Limits"); the
// per-entry ones are what a Linux file system or an ostree checkout can hold,
// so an entry beyond them could not be checked out anyway.
struct Limits {
  // Data of one PAX 'x' or 'g' header; also caps the global records kept.
  uint64_t max_pax_size = uint64_t{1} << 20;  // 1 MiB
  // Entry path and link target (from any source), GNU 'L'/'K' data, while
  // they are read: bounds memory before the finer checks below.
  size_t max_name_length = size_t{64} << 10;  // 64 KiB
  // raw_header() of one entry: all its metadata headers together.
  size_t max_header_bytes = size_t{4} << 20;  // 4 MiB
  // Content of one entry. Content is streamed, so this is a sanity bound.
  uint64_t max_entry_size = uint64_t{1} << 40;  // 1 TiB
  // Bytes after the end-of-archive zero blocks kept in trailer().
  size_t max_trailer_bytes = size_t{1} << 20;  // 1 MiB
  // Bytes of an entry path or link target: PATH_MAX (4096) less its NUL.
  size_t max_path_length = 4095;
  // Bytes of one path component: NAME_MAX. The ".wh." of a whiteout's last
  // component is not counted (it whites out a name of up to NAME_MAX).
  size_t max_component_length = 255;
  // Components of an entry path ("" and "." not counted). Tree walks (in
  // ocitree and in ostree checkouts) recurse and hold a descriptor per level.
  size_t max_path_depth = 256;
  // Bytes of one xattr name: XATTR_NAME_MAX.
  size_t max_xattr_name_length = 255;
  // Bytes of one xattr value: XATTR_SIZE_MAX.
  size_t max_xattr_value_size = 65536;
  // Bytes of all xattr names and values of one entry: bare-user repos keep
  // them all in one xattr value (user.ostreemeta), itself XATTR_SIZE_MAX.
  size_t max_xattr_total_size = 65536;
  // Entries (members other than metadata headers) in one archive: an OS
  // image holds a few hundred thousand; this bounds the per-entry state
  // (trees, recipes) that importing a layer keeps.
  uint64_t max_entries = 10'000'000;
};

class TarReader {
 public:
  explicit TarReader(ByteReader& in, Limits limits = {});
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // Advances to the next entry and fills *entry; false at the end of the
  // archive. Unread content of the previous entry is skipped. After an error
  // every call returns that error again.
  Result<bool> Next(Entry* entry);

  // Reads the current entry's content; may return fewer bytes than asked,
  // 0 once all entry.size bytes were returned. Reading the last byte also
  // consumes the padding (so truncation there is reported here).
  Result<size_t> ReadContent(std::span<uint8_t> buf);
  // The same, as a ByteReader for code that consumes streams.
  ByteReader& content() { return content_reader_; }
  uint64_t content_remaining() const { return content_remaining_; }

  // Everything between the end of the previous entry's padding and the start
  // of this entry's content: PAX 'x'/'g' and GNU 'L'/'K' headers with their
  // data blocks and padding, then the entry's own header block. Valid until
  // the next call to Next().
  ByteView raw_header() const { return raw_header_; }
  // The bytes (zero or not) after the content up to the next block boundary;
  // empty until content_remaining() is 0. Valid until the next Next().
  ByteView padding() const { return {padding_, padding_size_}; }
  // After Next() returned false: any 'g' headers not followed by an entry,
  // the end-of-archive zero blocks and every byte after them.
  ByteView trailer() const { return trailer_; }
  // After Next() returned false: the archive ended at a block boundary
  // without any zero block.
  bool missing_end_marker() const { return missing_end_marker_; }

  // Bytes of the archive consumed so far.
  uint64_t offset() const { return consumed_; }

 private:
  class ContentReader : public ByteReader {
   public:
    explicit ContentReader(TarReader* owner) : owner_(owner) {}
    Result<size_t> Read(std::span<uint8_t> buf) override { return owner_->ReadContent(buf); }

   private:
    TarReader* owner_;
  };

  // Metadata seen before the entry's own header.
  struct Pending {
    uint64_t start_offset = 0;  // of the entry's first header
    PaxRecordSet pax;
    std::optional<std::string> long_name;
    std::optional<std::string> long_link;
    // First 'x'/'L'/'K' header, which must be followed by an entry.
    std::optional<uint64_t> dangling_offset;
  };

  enum class State { kBetweenEntries, kInEntry, kEnd, kFailed };

  using XattrIndex = std::map<std::string, size_t, std::less<>>;

  Result<bool> ReadEntryHeaders(Entry* entry);
  Status ReadMetaHeader(Block block, uint64_t offset, Pending* pending);
  Result<std::string_view> ReadMetaData(Block block, const Location& loc, uint64_t max_size);
  Status MergeGlobal(std::string_view data, const Location& loc);
  Status BuildEntry(Block block, uint64_t offset, const Pending& pending, Entry* entry);
  Result<int64_t> NumberField(Block block, Field field, const char* what, int64_t min,
                              int64_t max, const Location& loc);
  Status ApplyHeaderFields(Block block, const Location& loc, Entry* entry);
  Status ApplyPax(const PaxRecordSet& records, uint64_t offset, Entry* entry);
  Status ApplyPaxRecord(std::string_view key, std::string_view value, XattrIndex* xattr_index,
                        Entry* entry);
  Status AddXattr(std::string name, std::string value, XattrIndex* xattr_index, Entry* entry);
  Status CheckEntry(uint64_t offset, Entry* entry);
  Status CheckPath(const Location& loc, std::string_view path) const;
  Status CheckXattrs(const Location& loc, const Entry& entry) const;
  Result<bool> FinishArchive(const Pending& pending, uint64_t offset, bool at_zero_block);
  Status ReadTrailerRest();
  Status SkipRestOfEntry();
  Status ReadPadding();

  // Replaces the (consumed) buffer contents; false at EOF.
  Result<bool> RefillBuffer();
  // One step of buffered input: 0 only at EOF.
  Result<size_t> ReadSome(uint8_t* dst, size_t n);
  // Loops ReadSome; fewer than n bytes only at EOF.
  Result<size_t> ReadUpTo(uint8_t* dst, size_t n);
  Status Fail(Status status);
  Status TruncatedContent() const;

  ByteReader& in_;
  Limits limits_;
  State state_ = State::kBetweenEntries;
  Status error_;

  std::unique_ptr<uint8_t[]> buf_;
  size_t buf_pos_ = 0;
  size_t buf_end_ = 0;
  uint64_t consumed_ = 0;

  alignas(8) uint8_t block_[kBlockSize];
  Bytes raw_header_;
  uint8_t padding_[kBlockSize];
  size_t padding_size_ = 0;
  Bytes trailer_;
  bool missing_end_marker_ = false;

  PaxRecordSet global_pax_;
  std::string entry_path_;  // for error messages while in an entry
  uint64_t content_remaining_ = 0;
  uint64_t content_size_ = 0;
  uint64_t entries_ = 0;  // entries returned so far
  ContentReader content_reader_{this};
};

}  // namespace ocitree::tar

#endif  // OCITREE_TAR_TAR_READER_H_
