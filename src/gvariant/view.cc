#include "gvariant/view.h"

#include <mutex>
#include <string>
#include <unordered_set>

#include "gvariant/framing.h"
#include "gvariant/type_info.h"

namespace ocitree::gvariant {
namespace {

using framing::kMaxDepth;

// Decodes one UTF-8 sequence at s[i] under RFC 3629 (no overlongs, no
// surrogates, nothing past U+10FFFF), as g_utf8_validate does. Returns its
// length, or 0 if invalid or truncated.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  auto tail = [&](size_t k) { return (byte(k) & 0xc0) == 0x80; };
  uint8_t b = byte(0);
  if (b < 0x80) return 1;
  size_t left = s.size() - i;
  if (b >= 0xc2 && b <= 0xdf) return left >= 2 && tail(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (left < 3 || !tail(1) || !tail(2)) return 0;
    if (b == 0xe0 && byte(1) < 0xa0) return 0;  // overlong
    if (b == 0xed && byte(1) > 0x9f) return 0;  // surrogates
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (left < 4 || !tail(1) || !tail(2) || !tail(3)) return 0;
    if (b == 0xf0 && byte(1) < 0x90) return 0;  // overlong
    if (b == 0xf4 && byte(1) > 0x8f) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

bool IsUtf8WithoutNul(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\0') return false;
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsAsciiAlnumOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// D-Bus object path: "/" or "/elem(/elem)*" with elements of [A-Za-z0-9_].
bool IsObjectPath(std::string_view s) {
  if (s.empty() || s[0] != '/') return false;
  if (s.size() == 1) return true;
  if (s.back() == '/') return false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '/') {
      if (s[i - 1] == '/') return false;
    } else if (!IsAsciiAlnumOrUnderscore(s[i])) {
      return false;
    }
  }
  return true;
}

// D-Bus signature: zero or more complete types, without maybes.
bool IsSignature(std::string_view s) {
  if (s.find_first_not_of("ybnqiuxthdvasog(){}") != std::string_view::npos) return false;
  size_t p = 0;
  while (p < s.size()) {
    size_t length = 0;
    TypeInfo info;
    if (!framing::ScanType(s.substr(p), &length, &info)) return false;
    p += length;
  }
  return true;
}

bool AllZero(ByteView data, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (data[i] != 0) return false;
  }
  return true;
}

bool IsPlainNumber(char c) {
  return c == 'y' || c == 'n' || c == 'q' || c == 'i' || c == 'u' || c == 'h' || c == 'x' ||
         c == 't' || c == 'd';
}

// Checks a value recursively. `normal` adds the normal-form rules on top of
// the structural ones (bounds, ordered offsets, depth) that every accepted
// value must satisfy so that accessors and ToText stay linear and in bounds.
class Validator {
 public:
  Validator(ByteView root, bool normal) : root_(root), normal_(normal) {}

  Status Check(std::string_view type, ByteView data, size_t depth) {
    if (depth >= kMaxDepth) return Fail("nesting deeper than 128", type, data);
    TypeInfo info = framing::InfoOfValid(type, &cache_);
    if (info.is_fixed() && data.size() != info.fixed_size) {
      return Fail("wrong size for a fixed-size type", type, data);
    }
    switch (type[0]) {
      case 'a': return CheckArray(type, data, depth);
      case 'm': return CheckMaybe(type, data, depth);
      case '(':
      case '{': return CheckTuple(type, info, data, depth);
      case 'v': return CheckVariant(type, data, depth);
      default: return CheckBasic(type, data);
    }
  }

 private:
  Status Fail(std::string_view what, std::string_view type, ByteView data) const {
    size_t at = 0;
    if (!data.empty() && data.data() >= root_.data() && data.data() <= root_.data() + root_.size()) {
      at = static_cast<size_t>(data.data() - root_.data());
    }
    return Corrupt("gvariant: " + std::string(what) + " (type '" + std::string(type) +
                   "' at byte " + std::to_string(at) + ")");
  }

  Status CheckBasic(std::string_view type, ByteView data) const {
    if (!normal_) return Status();
    char c = type[0];
    if (c == 'b' && data[0] > 1) return Fail("boolean other than 0 or 1", type, data);
    if (c != 's' && c != 'o' && c != 'g') return Status();
    if (data.empty() || data.back() != 0) return Fail("string without final NUL", type, data);
    std::string_view s = AsChars(data.first(data.size() - 1));
    if (!IsUtf8WithoutNul(s)) return Fail("string with NUL or invalid UTF-8", type, data);
    if (c == 'o' && !IsObjectPath(s)) return Fail("invalid object path", type, data);
    if (c == 'g' && !IsSignature(s)) return Fail("invalid signature", type, data);
    return Status();
  }

  Status CheckArray(std::string_view type, ByteView data, size_t depth) {
    std::string_view elem = type.substr(1);
    TypeInfo info = framing::InfoOfValid(elem, &cache_);
    if (info.is_fixed()) return CheckFixedArray(type, elem, info, data, depth);
    if (data.empty()) return Status();
    framing::ArrayFrame frame = framing::FrameOf(data);
    if (!frame.usable || frame.count == 0) return Fail("bad array offset table", type, data);
    if (normal_ && framing::NormalTotalSize(frame.data_end, frame.count) != data.size()) {
      return Fail("non-minimal offset width", type, data);
    }
    size_t pos = 0;
    for (size_t i = 0; i < frame.count; ++i) {
      size_t end = framing::ArrayOffset(data, frame, i);
      if (end < pos || end > frame.data_end) return Fail("array offset out of order or bounds", type, data);
      size_t start = framing::AlignUp(pos, info.alignment);
      if (start > end) return Fail("array element overlaps its padding", type, data);
      if (normal_ && !AllZero(data, pos, start)) return Fail("nonzero padding", type, data);
      OCITREE_RETURN_IF_ERROR(Check(elem, data.subspan(start, end - start), depth + 1));
      pos = end;
    }
    return Status();
  }

  Status CheckFixedArray(std::string_view type, std::string_view elem, const TypeInfo& info,
                         ByteView data, size_t depth) {
    if (data.size() % info.fixed_size != 0) {
      // glib reads this as an empty array; only normal form forbids it.
      return normal_ ? Fail("array size not a multiple of the element size", type, data) : Status();
    }
    if (data.empty()) return Status();
    if (depth + 1 >= kMaxDepth) return Fail("nesting deeper than 128", type, data);
    // Plain numbers have no invalid encodings: skip the per-element walk
    // that would dominate the cost of checksum arrays and file contents.
    if (IsPlainNumber(elem[0])) return Status();
    for (size_t off = 0; off < data.size(); off += info.fixed_size) {
      OCITREE_RETURN_IF_ERROR(Check(elem, data.subspan(off, info.fixed_size), depth + 1));
    }
    return Status();
  }

  Status CheckMaybe(std::string_view type, ByteView data, size_t depth) {
    ByteView child;
    if (!framing::MaybeChild(type, data, &child, &cache_)) {
      if (normal_ && !data.empty()) return Fail("maybe of the wrong size", type, data);
      return Status();
    }
    bool fixed = framing::InfoOfValid(type.substr(1), &cache_).is_fixed();
    if (normal_ && !fixed && data.back() != 0) return Fail("maybe without final zero byte", type, data);
    return Check(type.substr(1), child, depth + 1);
  }

  Status CheckTuple(std::string_view type, const TypeInfo& info, ByteView data, size_t depth) {
    framing::TupleWalker walker(type, data, &cache_);
    while (walker.Next()) {
      if (normal_ && !AllZero(data, walker.pad_start(), walker.start())) {
        return Fail("nonzero padding", type, data);
      }
      OCITREE_RETURN_IF_ERROR(Check(walker.member_type(), walker.member_data(), depth + 1));
    }
    if (walker.broken()) return Fail("tuple member out of order or bounds", type, data);
    if (!normal_) return Status();
    size_t end = walker.end();
    if (info.is_fixed()) {
      // Trailing alignment padding, or the single byte of the unit tuple.
      if (!AllZero(data, end, data.size())) return Fail("nonzero padding", type, data);
      return Status();
    }
    if (end != walker.table_start()) return Fail("tuple data does not end at its offsets", type, data);
    if (framing::NormalTotalSize(end, walker.offsets_used()) != data.size()) {
      return Fail("non-minimal offset width", type, data);
    }
    return Status();
  }

  Status CheckVariant(std::string_view type, ByteView data, size_t depth) {
    framing::VariantParts parts = framing::SplitVariant(data);
    if (!parts.valid) {
      // glib reads such a variant as holding "()".
      return normal_ ? Fail("variant without a valid single type", type, data) : Status();
    }
    if (depth + framing::TypeDepth(parts.type) >= kMaxDepth) {
      return Fail("nesting deeper than 128", type, data);
    }
    return Check(parts.type, parts.child, depth + 1);
  }

  ByteView root_;
  bool normal_;
  framing::TypeCache cache_;
};

// Views keep only a string_view of their type. Child types point into the
// parent's type (or into the data, for variants), but the top-level type
// comes from the caller and may be a temporary std::string; interning it
// makes Parse safe for any argument. The set only grows by the distinct
// type strings the program parses with.
std::string_view InternType(std::string_view type) {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static std::mutex mu;
  static auto* types = new std::unordered_set<std::string, Hash, std::equal_to<>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = types->find(type);
  if (it == types->end()) it = types->emplace(type).first;
  return *it;
}

bool IsTypeChar(std::string_view type, std::string_view chars) {
  return type.size() == 1 && chars.find(type[0]) != std::string_view::npos;
}

}  // namespace

Result<View> View::Parse(std::string_view type, ByteView data, bool require_normal) {
  Result<TypeInfo> info = InfoOf(type);
  if (!info.ok()) return info.status();
  Validator validator(data, require_normal);
  OCITREE_RETURN_IF_ERROR(validator.Check(type, data, 0));
  return View(InternType(type), data);
}

size_t View::NumChildren() const {
  if (type_.empty()) return 0;
  switch (type_[0]) {
    case 'a': return framing::ArrayLength(type_, data_);
    case 'm': {
      ByteView child;
      return framing::MaybeChild(type_, data_, &child) ? 1 : 0;
    }
    case '(':
    case '{': return framing::MemberCount(type_);
    case 'v': return 1;
    default: return 0;
  }
}

View View::Child(size_t index) const {
  if (type_.empty()) return View();
  switch (type_[0]) {
    case 'a':
      return View(type_.substr(1), framing::ArrayElement(type_, data_, index));
    case 'm': {
      ByteView child;
      if (index != 0 || !framing::MaybeChild(type_, data_, &child)) return View();
      return View(type_.substr(1), child);
    }
    case '(':
    case '{': {
      framing::TupleWalker walker(type_, data_);
      for (size_t i = 0; walker.Next(); ++i) {
        if (i == index) return View(walker.member_type(), walker.member_data());
      }
      return View();
    }
    case 'v':
      return index == 0 ? GetVariant() : View();
    default:
      return View();
  }
}

// Accessors check type and size so that a misuse reads as zero instead of
// misinterpreting bytes; Parse already guarantees the sizes of valid views.
uint8_t View::GetByte() const {
  return IsTypeChar(type_, "y") && data_.size() == 1 ? data_[0] : 0;
}

bool View::GetBool() const { return IsTypeChar(type_, "b") && data_.size() == 1 && data_[0] != 0; }

uint32_t View::GetUint32() const {
  if (!IsTypeChar(type_, "uih") || data_.size() != 4) return 0;
  return static_cast<uint32_t>(framing::ReadLittleEndian(data_.data(), 4));
}

uint64_t View::GetUint64() const {
  if (!IsTypeChar(type_, "txd") || data_.size() != 8) return 0;
  return framing::ReadLittleEndian(data_.data(), 8);
}

std::string_view View::GetString() const {
  if (!IsTypeChar(type_, "sog") || data_.empty() || data_.back() != 0) return {};
  return AsChars(data_.first(data_.size() - 1));
}

ByteView View::GetBytes() const { return type_ == "ay" ? data_ : ByteView(); }

View View::GetVariant() const {
  if (type_ != "v") return View();
  framing::VariantParts parts = framing::SplitVariant(data_);
  if (!parts.valid) return View("()", ByteView());
  return View(parts.type, parts.child);
}

bool LookupVariant(const View& asv, std::string_view key, View* value) {
  if (asv.type() != "a{sv}") return false;
  size_t n = asv.NumChildren();
  for (size_t i = 0; i < n; ++i) {
    View entry = asv.Child(i);
    if (entry.Child(0).GetString() == key) {
      *value = entry.Child(1).GetVariant();
      return true;
    }
  }
  return false;
}

}  // namespace ocitree::gvariant
