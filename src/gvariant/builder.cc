#include "gvariant/builder.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ocitree::gvariant {
namespace {

// Builder type strings are literals in our own code, so a bad one is a bug
// in the caller; there is no error channel in the builder API and emitting
// silently wrong bytes into a content-addressed store would be worse.
[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "ocitree: gvariant builder misuse: %s\n", what.c_str());
  std::abort();
}

TypeInfo InfoOrDie(std::string_view type) {
  Result<TypeInfo> info = InfoOf(type);
  if (!info.ok()) Die(info.status().message());
  return *info;
}

void CheckFixedSize(const TypeInfo& info, size_t size, std::string_view type) {
  if (info.is_fixed() && info.fixed_size != size) {
    Die("value of type '" + std::string(type) + "' has " + std::to_string(size) +
        " bytes, expected " + std::to_string(info.fixed_size));
  }
}

void PadTo(Bytes& out, size_t alignment) {
  while (out.size() % alignment != 0) out.push_back(0);
}

void AppendLittleEndian(Bytes& out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The smallest offset width W such that the whole container (body plus n
// offsets of W bytes) is addressable with W bytes; this is what makes the
// framing minimal, i.e. normal form.
size_t OffsetWidth(size_t body, size_t n) {
  if (body + n <= 0xff) return 1;
  if (body + 2 * n <= 0xffff) return 2;
  if (body + 4 * n <= 0xffffffffULL) return 4;
  return 8;
}

}  // namespace

Bytes Byte(uint8_t v) { return Bytes{v}; }

Bytes Bool(bool v) { return Bytes{static_cast<uint8_t>(v ? 1 : 0)}; }

Bytes Uint32(uint32_t v) {
  Bytes out;
  AppendLittleEndian(out, v, 4);
  return out;
}

Bytes Uint64(uint64_t v) {
  Bytes out;
  AppendLittleEndian(out, v, 8);
  return out;
}

Bytes String(std::string_view s) {
  Bytes out(s.begin(), s.end());
  out.push_back(0);
  return out;
}

Bytes Variant(std::string_view child_type, ByteView child) {
  CheckFixedSize(InfoOrDie(child_type), child.size(), child_type);
  Bytes out(child.begin(), child.end());
  out.push_back(0);
  out.insert(out.end(), child_type.begin(), child_type.end());
  return out;
}

TupleBuilder& TupleBuilder::Add(std::string_view type, ByteView child) {
  TypeInfo info = InfoOrDie(type);
  CheckFixedSize(info, child.size(), type);
  members_.push_back(Member{info, Bytes(child.begin(), child.end())});
  return *this;
}

Bytes TupleBuilder::Finish() const {
  Bytes out;
  std::vector<size_t> ends;  // ends of variable members that need an offset
  size_t alignment = 1;
  bool fixed = true;
  for (size_t i = 0; i < members_.size(); ++i) {
    const Member& m = members_[i];
    alignment = std::max(alignment, m.info.alignment);
    PadTo(out, m.info.alignment);
    out.insert(out.end(), m.data.begin(), m.data.end());
    if (!m.info.is_fixed()) {
      fixed = false;
      // The last member runs up to the offset table, so needs no offset.
      if (i + 1 != members_.size()) ends.push_back(out.size());
    }
  }
  if (fixed) {
    // A fixed tuple has the fixed size of its type: padded to its
    // alignment, and the unit tuple is a single zero byte.
    PadTo(out, alignment);
    if (out.empty()) out.push_back(0);
    return out;
  }
  size_t width = OffsetWidth(out.size(), ends.size());
  for (auto it = ends.rbegin(); it != ends.rend(); ++it) AppendLittleEndian(out, *it, width);
  return out;
}

ArrayBuilder::ArrayBuilder(std::string_view element_type) : info_(InfoOrDie(element_type)) {}

ArrayBuilder& ArrayBuilder::Add(ByteView element) {
  if (info_.is_fixed() && element.size() != info_.fixed_size) {
    Die("array element has " + std::to_string(element.size()) + " bytes, expected " +
        std::to_string(info_.fixed_size));
  }
  elements_.emplace_back(element.begin(), element.end());
  return *this;
}

Bytes ArrayBuilder::Finish() const {
  Bytes out;
  if (info_.is_fixed()) {
    // Fixed sizes are multiples of the alignment: plain concatenation.
    for (const Bytes& e : elements_) out.insert(out.end(), e.begin(), e.end());
    return out;
  }
  std::vector<size_t> ends;
  ends.reserve(elements_.size());
  for (const Bytes& e : elements_) {
    PadTo(out, info_.alignment);
    out.insert(out.end(), e.begin(), e.end());
    ends.push_back(out.size());
  }
  if (ends.empty()) return out;
  size_t width = OffsetWidth(out.size(), ends.size());
  for (size_t end : ends) AppendLittleEndian(out, end, width);
  return out;
}

}  // namespace ocitree::gvariant
