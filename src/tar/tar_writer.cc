#include "tar/tar_writer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "tar/tar_header.h"

namespace ocitree::tar {
namespace {

constexpr uint64_t kMaxOctal7 = 07777777;        // 8-byte fields: mode, uid, gid
constexpr uint64_t kMaxOctal11 = 077777777777;   // 12-byte fields: size, mtime
constexpr size_t kPrefixSize = 155;
constexpr std::string_view kXattrPrefix = "SCHILY.xattr.";

using HeaderBlock = std::array<uint8_t, kBlockSize>;

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// What a reader without PAX sees: ASCII only, cut to the field.
std::string AsciiFallback(std::string_view s, size_t max) {
  std::string out(s.substr(0, max));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '_';
  }
  return out;
}

// Splits `path` into ustar prefix and name at a '/', taking the longest
// prefix that fits (as Go's archive/tar does); false when no split fits.
bool SplitUstarPath(std::string_view path, std::string_view* prefix, std::string_view* name) {
  if (path.size() <= kNameField.size) {
    *prefix = {};
    *name = path;
    return true;
  }
  if (!IsAscii(path)) return false;
  // The name part may not be empty, so a trailing '/' is no split point.
  const size_t limit = std::min(kPrefixSize, path.size() - 2);
  const size_t slash = path.rfind('/', limit);
  if (slash == std::string_view::npos || slash == 0) return false;
  if (path.size() - slash - 1 > kNameField.size) return false;
  *prefix = path.substr(0, slash);
  *name = path.substr(slash + 1);
  return true;
}

void PutString(HeaderBlock& b, Field f, std::string_view s) {
  std::memcpy(b.data() + f.offset, s.data(), std::min(s.size(), f.size));
}

// Zero-filled octal with a NUL terminator; the caller made sure it fits.
void PutOctal(HeaderBlock& b, Field f, uint64_t v) {
  char tmp[24];
  std::snprintf(tmp, sizeof tmp, "%0*llo", static_cast<int>(f.size - 1), static_cast<unsigned long long>(v));
  std::memcpy(b.data() + f.offset, tmp, f.size - 1);
  b[f.offset + f.size - 1] = 0;
}

void SetChecksum(HeaderBlock& b) {
  const auto field = CanonicalChecksumField(Block(b));
  std::memcpy(b.data() + kChecksumField.offset, field.data(), field.size());
}

struct UstarFields {
  std::string name;
  std::string prefix;
  std::string linkname;
  char typeflag = '0';
  uint64_t mode = 0;
  uint64_t uid = 0;
  uint64_t gid = 0;
  uint64_t size = 0;
  uint64_t mtime = 0;
};

HeaderBlock MakeBlock(const UstarFields& f) {
  HeaderBlock b{};
  PutString(b, kNameField, f.name);
  PutOctal(b, kModeField, f.mode);
  PutOctal(b, kUidField, f.uid);
  PutOctal(b, kGidField, f.gid);
  PutOctal(b, kSizeField, f.size);
  PutOctal(b, kMtimeField, f.mtime);
  b[kTypeflagOffset] = static_cast<uint8_t>(f.typeflag);
  PutString(b, kLinknameField, f.linkname);
  PutString(b, kMagicField, std::string_view("ustar\0", 6));
  PutString(b, kVersionField, "00");
  PutOctal(b, kDevMajorField, 0);
  PutOctal(b, kDevMinorField, 0);
  PutString(b, kPrefixField, f.prefix);
  SetChecksum(b);
  return b;
}

// "LEN key=value\n", LEN counting the whole record including its own digits.
void AppendPaxRecord(std::string& out, std::string_view key, std::string_view value) {
  const size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  out += std::to_string(len);
  out += ' ';
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

std::string PaxHeaderName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.empty()) base = "_";
  return AsciiFallback("PaxHeaders/" + std::string(base), kNameField.size);
}

char Typeflag(EntryType type) {
  switch (type) {
    case EntryType::kRegular: return '0';
    case EntryType::kHardlink: return '1';
    case EntryType::kSymlink: return '2';
    case EntryType::kDirectory: return '5';
    default: return 0;
  }
}

Status Validate(const TarWriteEntry& e) {
  const std::string where = "tar: entry \"" + Printable(e.path) + "\": ";
  if (Typeflag(e.type) == 0) {
    return Unsupported(where + std::string(EntryTypeName(e.type)) + " entries are not written");
  }
  if (e.path.empty()) return InvalidArgument("tar: entry with an empty path");
  if (e.path.find('\0') != std::string::npos) return InvalidArgument(where + "path contains a NUL byte");
  if (e.link_target.find('\0') != std::string::npos) {
    return InvalidArgument(where + "link target contains a NUL byte");
  }
  const bool is_link = e.type == EntryType::kSymlink || e.type == EntryType::kHardlink;
  if (is_link && e.link_target.empty()) return InvalidArgument(where + "link without a target");
  if (!is_link && !e.link_target.empty()) {
    return InvalidArgument(where + "a link target on a " + std::string(EntryTypeName(e.type)));
  }
  if (e.mode > 07777) return InvalidArgument(where + "mode " + std::to_string(e.mode) + " is more than permission bits");
  if (e.type != EntryType::kRegular && e.size != 0) {
    return InvalidArgument(where + "a " + std::string(EntryTypeName(e.type)) + " has no content");
  }
  std::set<std::string_view> names;
  for (const auto& [name, value] : e.xattrs) {
    if (name.empty() || name.find('\0') != std::string::npos || name.find('=') != std::string::npos) {
      return InvalidArgument(where + "xattr name \"" + Printable(name) + "\" cannot be written (empty, NUL or '=')");
    }
    if (!names.insert(name).second) return InvalidArgument(where + "xattr \"" + Printable(name) + "\" given twice");
  }
  return {};
}

}  // namespace

Status TarWriter::Fail(Status s) {
  error_ = s;
  return s;
}

Status TarWriter::Emit(ByteView bytes) {
  Status s = out_.Write(bytes);
  if (!s.ok()) return Fail(s);
  written_ += bytes.size();
  return {};
}

Status TarWriter::CheckContentComplete() {
  if (content_written_ == content_size_) return {};
  return InvalidArgument("tar: entry \"" + Printable(current_path_) + "\": " + std::to_string(content_written_) +
                         " of " + std::to_string(content_size_) + " content bytes written");
}

Status TarWriter::AddEntry(const TarWriteEntry& e) {
  if (!error_.ok()) return error_;
  if (finished_) return Internal("tar: AddEntry after Finish");
  OCITREE_RETURN_IF_ERROR(CheckContentComplete());
  OCITREE_RETURN_IF_ERROR(Validate(e));

  std::map<std::string, std::string> pax;  // sorted keys: deterministic order
  UstarFields f;
  f.typeflag = Typeflag(e.type);
  f.mode = e.mode;
  std::string_view prefix, name;
  if (SplitUstarPath(e.path, &prefix, &name) && IsAscii(e.path)) {
    f.prefix = prefix;
    f.name = name;
  } else {
    pax["path"] = e.path;
    f.name = AsciiFallback(e.path, kNameField.size);
  }
  if (e.link_target.size() <= kLinknameField.size && IsAscii(e.link_target)) {
    f.linkname = e.link_target;
  } else {
    pax["linkpath"] = e.link_target;
    f.linkname = AsciiFallback(e.link_target, kLinknameField.size);
  }
  if (e.size <= kMaxOctal11) {
    f.size = e.size;
  } else {
    pax["size"] = std::to_string(e.size);
  }
  if (e.uid <= kMaxOctal7) {
    f.uid = e.uid;
  } else {
    pax["uid"] = std::to_string(e.uid);
  }
  if (e.gid <= kMaxOctal7) {
    f.gid = e.gid;
  } else {
    pax["gid"] = std::to_string(e.gid);
  }
  if (e.mtime >= 0 && static_cast<uint64_t>(e.mtime) <= kMaxOctal11) {
    f.mtime = static_cast<uint64_t>(e.mtime);
  } else {
    pax["mtime"] = std::to_string(e.mtime);
  }
  for (const auto& [xname, value] : e.xattrs) pax[std::string(kXattrPrefix) + xname] = value;

  if (!pax.empty()) {
    std::string data;
    for (const auto& [key, value] : pax) AppendPaxRecord(data, key, value);
    UstarFields x;
    x.name = PaxHeaderName(e.path);
    x.typeflag = 'x';
    x.mode = 0644;
    x.size = data.size();
    const HeaderBlock xb = MakeBlock(x);
    OCITREE_RETURN_IF_ERROR(Emit(xb));
    OCITREE_RETURN_IF_ERROR(Emit(AsBytes(data)));
    static constexpr uint8_t kZeros[kBlockSize] = {};
    OCITREE_RETURN_IF_ERROR(Emit(ByteView(kZeros, PaddingFor(data.size()))));
  }
  const HeaderBlock b = MakeBlock(f);
  OCITREE_RETURN_IF_ERROR(Emit(b));
  current_path_ = e.path;
  content_size_ = e.size;
  content_written_ = 0;
  return {};
}

Status TarWriter::WriteContent(ByteView data) {
  if (!error_.ok()) return error_;
  if (finished_) return Internal("tar: WriteContent after Finish");
  if (data.size() > content_size_ - content_written_) {
    return InvalidArgument("tar: entry \"" + Printable(current_path_) + "\": more than the declared " +
                           std::to_string(content_size_) + " content bytes");
  }
  if (data.empty()) return {};
  OCITREE_RETURN_IF_ERROR(Emit(data));
  content_written_ += data.size();
  if (content_written_ == content_size_) {
    static constexpr uint8_t kZeros[kBlockSize] = {};
    OCITREE_RETURN_IF_ERROR(Emit(ByteView(kZeros, PaddingFor(content_size_))));
  }
  return {};
}

Status TarWriter::Finish() {
  if (!error_.ok()) return error_;
  if (finished_) return Internal("tar: Finish called twice");
  OCITREE_RETURN_IF_ERROR(CheckContentComplete());
  finished_ = true;
  static constexpr uint8_t kEnd[2 * kBlockSize] = {};
  return Emit(kEnd);
}

}  // namespace ocitree::tar
