#include "tar/tar_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

namespace ocitree::tar {
namespace {

// Big enough that one underlying read (often a decompressor) covers many
// small files; content reads of at least kDirectReadMin bypass the buffer.
constexpr size_t kBufferSize = size_t{128} << 10;
constexpr size_t kDirectReadMin = size_t{16} << 10;
constexpr int64_t kMaxId = std::numeric_limits<uint32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

constexpr std::string_view kSchilyXattr = "SCHILY.xattr.";
constexpr std::string_view kLibarchiveXattr = "LIBARCHIVE.xattr.";

const char* MetaHeaderKind(char typeflag) {
  switch (typeflag) {
    case 'x': return "PAX extended header";
    case 'g': return "PAX global header";
    case 'L': return "GNU long name header";
    default: return "GNU long link header";
  }
}

std::optional<EntryType> TypeFromFlag(char typeflag) {
  switch (typeflag) {
    case '0': case '\0': case '7': return EntryType::kRegular;
    case '1': return EntryType::kHardlink;
    case '2': return EntryType::kSymlink;
    case '3': return EntryType::kCharDevice;
    case '4': return EntryType::kBlockDevice;
    case '5': return EntryType::kDirectory;
    case '6': return EntryType::kFifo;
    default: return std::nullopt;
  }
}

std::string DescribeTypeflag(char typeflag) {
  std::string what;
  switch (typeflag) {
    case 'S': what = " (GNU sparse file)"; break;
    case 'V': what = " (GNU volume label)"; break;
    case 'M': what = " (GNU multi-volume continuation)"; break;
    case 'D': what = " (GNU dump directory)"; break;
    case 'N': what = " (old GNU long names)"; break;
    case 'X': what = " (Solaris extended header)"; break;
    default: break;
  }
  return "typeflag '" + Printable(std::string_view(&typeflag, 1)) + "'" + what;
}

Status AtLocation(const Location& loc, const Status& s) {
  return s.ok() ? s : Status::Error(s.code(), Where(loc) + s.message());
}

// Keywords whose global meaning readers disagree on: GNU tar applies them to
// every later member, Go-based runtimes ignore global headers. Refusing them
// avoids importing a different tree than a container runtime would.
bool IsStructuralKeyword(std::string_view key) {
  return key == "path" || key == "linkpath" || key == "size";
}

}  // namespace

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kRegular: return "regular file";
    case EntryType::kDirectory: return "directory";
    case EntryType::kSymlink: return "symlink";
    case EntryType::kHardlink: return "hardlink";
    case EntryType::kCharDevice: return "character device";
    case EntryType::kBlockDevice: return "block device";
    case EntryType::kFifo: return "fifo";
  }
  return "unknown";
}

TarReader::TarReader(ByteReader& in, Limits limits)
    : in_(in), limits_(limits), buf_(new uint8_t[kBufferSize]) {}

// ---------------------------------------------------------------------------
// Public API: every failure is made sticky through Fail().

Result<bool> TarReader::Next(Entry* entry) {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kEnd) return false;
  if (state_ == State::kInEntry) {
    Status s = SkipRestOfEntry();
    if (!s.ok()) return Fail(s);
  }
  state_ = State::kBetweenEntries;
  auto more = ReadEntryHeaders(entry);
  if (!more.ok()) return Fail(more.status());
  return more;
}

Result<size_t> TarReader::ReadContent(std::span<uint8_t> buf) {
  if (state_ == State::kFailed) return error_;
  if (state_ != State::kInEntry) {
    return InvalidArgument("tar: ReadContent called without a current entry");
  }
  if (content_remaining_ == 0 || buf.empty()) return size_t{0};
  const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), content_remaining_));
  auto got = ReadSome(buf.data(), want);
  if (!got.ok()) return Fail(got.status());
  if (*got == 0) {
    return Fail(TruncatedContent());
  }
  content_remaining_ -= *got;
  if (content_remaining_ == 0) {
    Status s = ReadPadding();
    if (!s.ok()) return Fail(s);
  }
  return got;
}

Status TarReader::TruncatedContent() const {
  return Corrupt(Where({consumed_, entry_path_}) + "truncated: archive ends after " +
                 std::to_string(content_size_ - content_remaining_) + " of " +
                 std::to_string(content_size_) + " content bytes");
}

Status TarReader::Fail(Status status) {
  state_ = State::kFailed;
  error_ = status;
  return status;
}

// ---------------------------------------------------------------------------
// Buffered input.

Result<bool> TarReader::RefillBuffer() {
  buf_pos_ = buf_end_ = 0;
  OCITREE_ASSIGN_OR_RETURN(size_t got, in_.Read({buf_.get(), kBufferSize}));
  buf_end_ = std::min(got, kBufferSize);
  return got != 0;
}

Result<size_t> TarReader::ReadSome(uint8_t* dst, size_t n) {
  if (buf_pos_ == buf_end_) {
    if (n >= kDirectReadMin) {  // large reads skip the copy through buf_
      OCITREE_ASSIGN_OR_RETURN(size_t got, in_.Read({dst, n}));
      consumed_ += got;
      return got;
    }
    OCITREE_ASSIGN_OR_RETURN(bool more, RefillBuffer());
    if (!more) return size_t{0};
  }
  const size_t take = std::min(n, buf_end_ - buf_pos_);
  std::memcpy(dst, buf_.get() + buf_pos_, take);
  buf_pos_ += take;
  consumed_ += take;
  return take;
}

Result<size_t> TarReader::ReadUpTo(uint8_t* dst, size_t n) {
  size_t done = 0;
  while (done < n) {
    OCITREE_ASSIGN_OR_RETURN(size_t got, ReadSome(dst + done, n - done));
    if (got == 0) break;
    done += got;
  }
  return done;
}

Status TarReader::SkipRestOfEntry() {
  if (content_remaining_ == 0) return {};
  while (content_remaining_ > 0) {
    if (buf_pos_ == buf_end_) {
      OCITREE_ASSIGN_OR_RETURN(bool more, RefillBuffer());
      if (!more) return TruncatedContent();
    }
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(content_remaining_, buf_end_ - buf_pos_));
    buf_pos_ += take;
    consumed_ += take;
    content_remaining_ -= take;
  }
  return ReadPadding();
}

Status TarReader::ReadPadding() {
  const size_t want = static_cast<size_t>(PaddingFor(content_size_));
  OCITREE_ASSIGN_OR_RETURN(size_t got, ReadUpTo(padding_, want));
  if (got < want) {
    return Corrupt(Where({consumed_, entry_path_}) +
                   "truncated: archive ends inside the padding after the content");
  }
  padding_size_ = want;
  return {};
}

// ---------------------------------------------------------------------------
// Headers.

Result<bool> TarReader::ReadEntryHeaders(Entry* entry) {
  raw_header_.clear();
  padding_size_ = 0;
  content_size_ = content_remaining_ = 0;
  entry_path_.clear();
  Pending pending;
  pending.start_offset = consumed_;
  for (;;) {
    const uint64_t offset = consumed_;
    OCITREE_ASSIGN_OR_RETURN(size_t got, ReadUpTo(block_, kBlockSize));
    const Block block(block_, kBlockSize);
    if (got == 0) return FinishArchive(pending, offset, /*at_zero_block=*/false);
    if (got < kBlockSize) {
      return Corrupt(Where({offset}) + "truncated: archive ends " + std::to_string(got) +
                     " bytes into a header block");
    }
    if (IsZeroBlock(block)) return FinishArchive(pending, offset, /*at_zero_block=*/true);
    const std::string_view label = pending.long_name ? *pending.long_name
                                                     : FieldString(block, kNameField);
    if (!ChecksumMatches(block)) {
      return Corrupt(Where({offset, label}) + "header checksum mismatch (not a tar header)");
    }
    if (raw_header_.size() + kBlockSize > limits_.max_header_bytes) {
      return Corrupt(Where({offset, label}) + "metadata headers of one entry exceed " +
                     std::to_string(limits_.max_header_bytes) + " bytes");
    }
    raw_header_.insert(raw_header_.end(), block.begin(), block.end());
    const char typeflag = static_cast<char>(block[kTypeflagOffset]);
    if (typeflag == 'x' || typeflag == 'g' || typeflag == 'L' || typeflag == 'K') {
      OCITREE_RETURN_IF_ERROR(ReadMetaHeader(block, offset, &pending));
      continue;
    }
    if (entries_ >= limits_.max_entries) {
      return Unsupported(Where({offset, label}) + "more than " + std::to_string(limits_.max_entries) +
                         " entries: exceeds the entries-per-layer limit");
    }
    OCITREE_RETURN_IF_ERROR(BuildEntry(block, offset, pending, entry));
    ++entries_;
    state_ = State::kInEntry;
    return true;
  }
}

Status TarReader::ReadMetaHeader(Block block, uint64_t offset, Pending* pending) {
  const char typeflag = static_cast<char>(block[kTypeflagOffset]);
  const Location loc{offset, FieldString(block, kNameField), MetaHeaderKind(typeflag)};
  if (typeflag != 'g' && !pending->dangling_offset) pending->dangling_offset = offset;
  const bool is_pax = typeflag == 'x' || typeflag == 'g';
  // GNU long names carry a trailing NUL.
  const uint64_t max = is_pax ? limits_.max_pax_size : limits_.max_name_length + 1;
  OCITREE_ASSIGN_OR_RETURN(std::string_view data, ReadMetaData(block, loc, max));
  if (typeflag == 'x') {
    return AtLocation(loc, ParsePaxData(data, &pending->pax));
  }
  if (typeflag == 'g') return MergeGlobal(data, loc);
  std::string name(data.substr(0, data.find('\0')));
  (typeflag == 'L' ? pending->long_name : pending->long_link) = std::move(name);
  return {};
}

Result<std::string_view> TarReader::ReadMetaData(Block block, const Location& loc,
                                                 uint64_t max_size) {
  const std::optional<int64_t> size = ParseNumericField(block, kSizeField);
  if (!size || *size < 0) return Corrupt(Where(loc) + "malformed size field");
  const auto n = static_cast<uint64_t>(*size);
  if (n > max_size) {
    return Corrupt(Where(loc) + "data of " + std::to_string(n) + " bytes exceeds the limit of " +
                   std::to_string(max_size));
  }
  const uint64_t padded = n + PaddingFor(n);
  if (raw_header_.size() + padded > limits_.max_header_bytes) {
    return Corrupt(Where(loc) + "metadata headers of one entry exceed " +
                   std::to_string(limits_.max_header_bytes) + " bytes");
  }
  const size_t start = raw_header_.size();
  raw_header_.resize(start + padded);
  OCITREE_ASSIGN_OR_RETURN(size_t got, ReadUpTo(raw_header_.data() + start, padded));
  if (got < padded) {
    return Corrupt(Where(loc) + "truncated: archive ends after " + std::to_string(got) + " of " +
                   std::to_string(padded) + " data bytes");
  }
  return std::string_view(reinterpret_cast<const char*>(raw_header_.data() + start), n);
}

Status TarReader::MergeGlobal(std::string_view data, const Location& loc) {
  PaxRecordSet records;
  OCITREE_RETURN_IF_ERROR(AtLocation(loc, ParsePaxData(data, &records)));
  for (const auto& [key, value] : records.records()) {
    if (IsStructuralKeyword(key) || key.starts_with("GNU.sparse.")) {
      return Unsupported(Where(loc) + "global record '" + Printable(key) +
                         "' is not supported (tar readers disagree on its meaning)");
    }
    global_pax_.Set(key, value);
  }
  if (global_pax_.bytes() > limits_.max_pax_size) {
    return Corrupt(Where(loc) + "global records exceed " + std::to_string(limits_.max_pax_size) +
                   " bytes");
  }
  return {};
}

Status TarReader::BuildEntry(Block block, uint64_t offset, const Pending& pending,
                             Entry* entry) {
  const char typeflag = static_cast<char>(block[kTypeflagOffset]);
  const std::string_view label = pending.long_name ? *pending.long_name
                                                   : FieldString(block, kNameField);
  const std::optional<EntryType> type = TypeFromFlag(typeflag);
  if (!type) {
    return Unsupported(Where({offset, label}) + DescribeTypeflag(typeflag) + " is not supported");
  }
  *entry = Entry{};
  entry->type = *type;
  OCITREE_RETURN_IF_ERROR(ApplyHeaderFields(block, Location{offset, label}, entry));
  if (pending.long_name) entry->path = *pending.long_name;
  if (pending.long_link) entry->link_target = *pending.long_link;
  if (global_pax_.empty()) {
    OCITREE_RETURN_IF_ERROR(ApplyPax(pending.pax, pending.start_offset, entry));
  } else {
    PaxRecordSet merged = global_pax_;
    for (const auto& [key, value] : pending.pax.records()) merged.Set(key, value);
    OCITREE_RETURN_IF_ERROR(ApplyPax(merged, pending.start_offset, entry));
  }
  // Old archives mark directories only by the trailing slash.
  if (typeflag == '\0' && entry->path.ends_with('/')) entry->type = EntryType::kDirectory;
  OCITREE_RETURN_IF_ERROR(CheckEntry(offset, entry));
  entry_path_ = entry->path;
  content_size_ = content_remaining_ = entry->size;
  return {};
}

Result<int64_t> TarReader::NumberField(Block block, Field field, const char* what,
                                       int64_t min, int64_t max, const Location& loc) {
  const std::optional<int64_t> v = ParseNumericField(block, field);
  if (!v) return Corrupt(Where(loc) + "malformed " + what + " field");
  if (*v < min || *v > max) {
    return Corrupt(Where(loc) + what + " " + std::to_string(*v) + " is out of range");
  }
  return *v;
}

Status TarReader::ApplyHeaderFields(Block block, const Location& loc, Entry* entry) {
  const HeaderFormat format = DetectFormat(block);
  const std::string_view name = FieldString(block, kNameField);
  std::string_view prefix;
  if (format == HeaderFormat::kUstar) prefix = FieldString(block, kPrefixField);
  if (format == HeaderFormat::kStar) prefix = FieldString(block, kStarPrefixField);
  if (prefix.empty()) {
    entry->path.assign(name);
  } else {
    entry->path.reserve(prefix.size() + 1 + name.size());
    entry->path.append(prefix).append("/").append(name);
  }
  entry->link_target.assign(FieldString(block, kLinknameField));
  // Old writers put the file type bits into mode too; only permissions count.
  OCITREE_ASSIGN_OR_RETURN(int64_t mode, NumberField(block, kModeField, "mode", 0, kMaxInt64, loc));
  entry->mode = static_cast<uint32_t>(mode & 07777);
  OCITREE_ASSIGN_OR_RETURN(int64_t uid, NumberField(block, kUidField, "uid", 0, kMaxId, loc));
  OCITREE_ASSIGN_OR_RETURN(int64_t gid, NumberField(block, kGidField, "gid", 0, kMaxId, loc));
  OCITREE_ASSIGN_OR_RETURN(int64_t size, NumberField(block, kSizeField, "size", 0, kMaxInt64, loc));
  OCITREE_ASSIGN_OR_RETURN(entry->mtime, NumberField(block, kMtimeField, "mtime",
                                                     std::numeric_limits<int64_t>::min(),
                                                     kMaxInt64, loc));
  entry->uid = static_cast<uint32_t>(uid);
  entry->gid = static_cast<uint32_t>(gid);
  entry->size = static_cast<uint64_t>(size);
  if (format == HeaderFormat::kV7) return {};  // the rest of a V7 block is padding
  entry->uname.assign(FieldString(block, kUnameField));
  entry->gname.assign(FieldString(block, kGnameField));
  // Other types often leave these fields blank or garbage; they mean nothing.
  if (entry->type == EntryType::kCharDevice || entry->type == EntryType::kBlockDevice) {
    OCITREE_ASSIGN_OR_RETURN(int64_t major,
                             NumberField(block, kDevMajorField, "devmajor", 0, kMaxId, loc));
    OCITREE_ASSIGN_OR_RETURN(int64_t minor,
                             NumberField(block, kDevMinorField, "devminor", 0, kMaxId, loc));
    entry->dev_major = static_cast<uint32_t>(major);
    entry->dev_minor = static_cast<uint32_t>(minor);
  }
  return {};
}

Status TarReader::ApplyPax(const PaxRecordSet& records, uint64_t offset, Entry* entry) {
  if (records.empty()) return {};
  std::map<std::string, size_t, std::less<>> xattr_index;  // name -> entry->xattrs slot
  for (const auto& [key, value] : records.records()) {
    entry->pax_records.insert_or_assign(key, value);
    Status s = ApplyPaxRecord(key, value, &xattr_index, entry);
    if (!s.ok()) {
      return Status::Error(s.code(), Where({offset, entry->path}) + "PAX record '" +
                                         Printable(key) + "': " + s.message());
    }
  }
  return {};
}

// Errors carry no location; ApplyPax adds it (only on failure: this is hot).
Status TarReader::ApplyPaxRecord(std::string_view key, std::string_view value,
                                 XattrIndex* xattr_index, Entry* entry) {
  if (key.starts_with("GNU.sparse.")) return Unsupported("sparse files are not supported");
  if (key.starts_with(kSchilyXattr)) {
    return AddXattr(std::string(key.substr(kSchilyXattr.size())), std::string(value), xattr_index, entry);
  }
  if (key.starts_with(kLibarchiveXattr)) {
    auto name = DecodeUrlEscapes(key.substr(kLibarchiveXattr.size()));
    if (!name.ok()) return name.status();
    auto data = DecodeBase64(value);
    if (!data.ok()) return data.status();
    return AddXattr(std::move(*name), std::move(*data), xattr_index, entry);
  }
  // POSIX: an empty value cancels the keyword; the header field stands.
  if (value.empty()) return {};
  const bool is_text = key == "path" || key == "linkpath" || key == "uname" || key == "gname";
  if (is_text && value.find('\0') != std::string_view::npos) {
    return Corrupt("value contains a NUL byte");
  }
  if (key == "path") {
    entry->path.assign(value);
  } else if (key == "linkpath") {
    entry->link_target.assign(value);
  } else if (key == "uname") {
    entry->uname.assign(value);
  } else if (key == "gname") {
    entry->gname.assign(value);
  } else if (key == "size") {
    auto v = ParsePaxUnsigned(value, static_cast<uint64_t>(kMaxInt64));
    if (!v.ok()) return v.status();
    entry->size = *v;
  } else if (key == "uid" || key == "gid") {
    auto v = ParsePaxUnsigned(value, static_cast<uint64_t>(kMaxId));
    if (!v.ok()) return v.status();
    (key == "uid" ? entry->uid : entry->gid) = static_cast<uint32_t>(*v);
  } else if (key == "mtime") {
    auto t = ParsePaxTime(value);
    if (!t.ok()) return t.status();
    entry->mtime = t->seconds;
    entry->mtime_nsec = t->nanoseconds;
  }
  return {};  // other keywords (atime, ctime, comment, ...) stay in pax_records
}

Status TarReader::AddXattr(std::string name, std::string value, XattrIndex* xattr_index,
                           Entry* entry) {
  if (name.empty()) return Corrupt("xattr with an empty name");
  if (name.find('\0') != std::string::npos) return Corrupt("xattr name contains NUL");
  if (name.size() > limits_.max_xattr_name_length) {
    return Unsupported("xattr name of " + std::to_string(name.size()) +
                       " bytes exceeds the xattr name limit of " +
                       std::to_string(limits_.max_xattr_name_length) + " (XATTR_NAME_MAX)");
  }
  if (value.size() > limits_.max_xattr_value_size) {
    return Unsupported("xattr value of " + std::to_string(value.size()) +
                       " bytes exceeds the xattr value limit of " +
                       std::to_string(limits_.max_xattr_value_size) + " (XATTR_SIZE_MAX)");
  }
  auto it = xattr_index->find(name);
  if (it != xattr_index->end()) {
    entry->xattrs[it->second].second = std::move(value);
    return {};
  }
  xattr_index->emplace(name, entry->xattrs.size());
  entry->xattrs.emplace_back(std::move(name), std::move(value));
  return {};
}

Status TarReader::CheckEntry(uint64_t offset, Entry* entry) {
  const Location loc{offset, entry->path};
  // Go's archive/tar (and so tar-split and container runtimes) never reads
  // data after links, devices, fifos or directories, whatever the size says.
  if (entry->type != EntryType::kRegular) entry->size = 0;
  if (entry->size > limits_.max_entry_size) {
    return Corrupt(Where(loc) + "size " + std::to_string(entry->size) + " exceeds the limit of " +
                   std::to_string(limits_.max_entry_size));
  }
  if (entry->path.size() > limits_.max_name_length) {
    return Corrupt(Where(loc) + "path of " + std::to_string(entry->path.size()) +
                   " bytes exceeds the limit of " + std::to_string(limits_.max_name_length));
  }
  if (entry->link_target.size() > limits_.max_name_length) {
    return Corrupt(Where(loc) + "link target of " + std::to_string(entry->link_target.size()) +
                   " bytes exceeds the limit of " + std::to_string(limits_.max_name_length));
  }
  OCITREE_RETURN_IF_ERROR(CheckPath(loc, entry->path));
  if (entry->link_target.size() > limits_.max_path_length) {
    return Unsupported(Where(loc) + "link target of " + std::to_string(entry->link_target.size()) +
                       " bytes exceeds the path length limit of " +
                       std::to_string(limits_.max_path_length) + " (PATH_MAX less its NUL)");
  }
  return CheckXattrs(loc, *entry);
}

Status TarReader::CheckPath(const Location& loc, std::string_view path) const {
  if (path.size() > limits_.max_path_length) {
    return Unsupported(Where(loc) + "path of " + std::to_string(path.size()) +
                       " bytes exceeds the path length limit of " +
                       std::to_string(limits_.max_path_length) + " (PATH_MAX less its NUL)");
  }
  size_t depth = 0;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    size_t max = limits_.max_component_length;
    if (end == path.size() && part.starts_with(".wh.")) max += 4;
    if (part.size() > max) {
      return Unsupported(Where(loc) + "path component of " + std::to_string(part.size()) +
                         " bytes exceeds the component length limit of " + std::to_string(max) +
                         " (NAME_MAX): \"" + Printable(part) + "\"");
    }
    if (++depth > limits_.max_path_depth) {
      return Unsupported(Where(loc) + "path is deeper than the depth limit of " +
                         std::to_string(limits_.max_path_depth) + " components");
    }
  }
  return {};
}

Status TarReader::CheckXattrs(const Location& loc, const Entry& entry) const {
  size_t total = 0;
  for (const auto& [name, value] : entry.xattrs) total += name.size() + value.size();
  if (total > limits_.max_xattr_total_size) {
    return Unsupported(Where(loc) + std::to_string(entry.xattrs.size()) + " xattrs of " +
                       std::to_string(total) + " bytes (names and values) exceed the limit of " +
                       std::to_string(limits_.max_xattr_total_size) + " bytes per entry");
  }
  return {};
}

// ---------------------------------------------------------------------------
// End of archive.

Result<bool> TarReader::FinishArchive(const Pending& pending, uint64_t offset,
                                      bool at_zero_block) {
  if (pending.dangling_offset) {
    return Corrupt(Where({*pending.dangling_offset, pending.long_name.value_or("")}) +
                   (at_zero_block ? "metadata header is not followed by an entry"
                                  : "truncated: archive ends after a metadata header"));
  }
  // Global headers that precede no entry belong to the trailer.
  trailer_ = std::move(raw_header_);
  raw_header_.clear();
  state_ = State::kEnd;
  if (!at_zero_block) {
    missing_end_marker_ = true;
    return false;
  }
  trailer_.insert(trailer_.end(), block_, block_ + kBlockSize);
  OCITREE_ASSIGN_OR_RETURN(size_t got, ReadUpTo(block_, kBlockSize));
  if (got == 0) return false;  // a lone zero block, accepted like Go does
  trailer_.insert(trailer_.end(), block_, block_ + got);
  if (got < kBlockSize) {
    return Corrupt(Where({offset + kBlockSize}) +
                   "truncated: archive ends inside the end-of-archive marker");
  }
  if (!IsZeroBlock(Block(block_, kBlockSize))) {
    return Corrupt(Where({offset + kBlockSize}) +
                   "a zero block is followed by a non-zero block (entries hidden after the "
                   "end-of-archive marker?)");
  }
  OCITREE_RETURN_IF_ERROR(ReadTrailerRest());
  return false;
}

Status TarReader::ReadTrailerRest() {
  const size_t start = trailer_.size();
  constexpr size_t kChunk = size_t{64} << 10;
  for (;;) {
    const size_t kept = trailer_.size() - start;
    if (kept > limits_.max_trailer_bytes) {
      return Corrupt(Where({consumed_}) + "more than " +
                     std::to_string(limits_.max_trailer_bytes) +
                     " bytes after the end-of-archive marker");
    }
    // Ask for one byte past the limit so that exceeding it is detected.
    const size_t chunk = std::min(kChunk, limits_.max_trailer_bytes + 1 - kept);
    const size_t old = trailer_.size();
    trailer_.resize(old + chunk);
    OCITREE_ASSIGN_OR_RETURN(size_t got, ReadUpTo(trailer_.data() + old, chunk));
    trailer_.resize(old + got);
    if (got == 0) return {};
  }
}

}  // namespace ocitree::tar
