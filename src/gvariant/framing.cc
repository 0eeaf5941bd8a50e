#include "gvariant/framing.h"

#include <algorithm>

namespace ocitree::gvariant::framing {

size_t OffsetSizeFor(size_t size) {
  if (size == 0) return 0;
  if (size <= 0xff) return 1;
  if (size <= 0xffff) return 2;
  if (size <= 0xffffffffULL) return 4;
  return 8;
}

size_t NormalTotalSize(size_t body, size_t n) {
  if (body + n <= 0xff) return body + n;
  if (body + 2 * n <= 0xffff) return body + 2 * n;
  if (body + 4 * n <= 0xffffffffULL) return body + 4 * n;
  return body + 8 * n;
}

uint64_t ReadLittleEndian(const uint8_t* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

bool TypeCache::Scan(std::string_view type, size_t* length, TypeInfo* info) {
  auto it = entries_.find(type.data());
  // A shorter view of the same characters may cut the type off: rescan.
  if (it != entries_.end() && it->second.length <= type.size()) {
    *length = it->second.length;
    *info = it->second.info;
    return true;
  }
  if (!ScanType(type, length, info)) return false;
  entries_[type.data()] = Entry{*length, *info};
  return true;
}

bool ScanTypeWith(TypeCache* cache, std::string_view type, size_t* length, TypeInfo* info) {
  return cache != nullptr ? cache->Scan(type, length, info) : ScanType(type, length, info);
}

TypeInfo InfoOfValid(std::string_view type, TypeCache* cache) {
  size_t length = 0;
  TypeInfo info;
  if (!ScanTypeWith(cache, type, &length, &info)) return TypeInfo{};
  return info;
}

namespace {

// Recursion is bounded: ScanType accepted at most 128 nesting levels.
size_t DepthAt(std::string_view t, size_t* length) {
  if (t.empty()) {
    *length = 0;
    return 0;
  }
  char c = t[0];
  if (c == 'a' || c == 'm') {
    size_t inner = 0;
    size_t d = DepthAt(t.substr(1), &inner);
    *length = inner + 1;
    return d + 1;
  }
  if (c != '(' && c != '{') {
    *length = 1;
    return 1;
  }
  size_t p = 1;
  size_t deepest = 0;
  while (p < t.size() && t[p] != ')' && t[p] != '}') {
    size_t inner = 0;
    deepest = std::max(deepest, DepthAt(t.substr(p), &inner) + 1);
    if (inner == 0) break;
    p += inner;
  }
  *length = p + 1;
  return deepest;
}

}  // namespace

size_t TypeDepth(std::string_view type) {
  size_t length = 0;
  return DepthAt(type, &length);
}

ArrayFrame FrameOf(ByteView data) {
  ArrayFrame f;
  if (data.empty()) {
    f.usable = true;
    return f;
  }
  f.width = OffsetSizeFor(data.size());
  uint64_t last = ReadLittleEndian(data.data() + data.size() - f.width, f.width);
  if (last > data.size()) return f;
  size_t table = data.size() - last;
  if (table % f.width != 0) return f;
  f.count = table / f.width;
  f.data_end = last;
  f.usable = true;
  return f;
}

size_t ArrayOffset(ByteView data, const ArrayFrame& frame, size_t index) {
  return ReadLittleEndian(data.data() + frame.data_end + index * frame.width, frame.width);
}

size_t ArrayLength(std::string_view array_type, ByteView data, TypeCache* cache) {
  TypeInfo elem = InfoOfValid(array_type.substr(1), cache);
  if (elem.is_fixed()) {
    // glib reads a fixed-element array of the wrong size as empty.
    return data.size() % elem.fixed_size == 0 ? data.size() / elem.fixed_size : 0;
  }
  return FrameOf(data).count;
}

ByteView ArrayElement(std::string_view array_type, ByteView data, size_t index, TypeCache* cache) {
  TypeInfo elem = InfoOfValid(array_type.substr(1), cache);
  if (elem.is_fixed()) {
    if (data.size() % elem.fixed_size != 0 || index >= data.size() / elem.fixed_size) return {};
    return data.subspan(index * elem.fixed_size, elem.fixed_size);
  }
  ArrayFrame frame = FrameOf(data);
  if (index >= frame.count) return {};
  size_t start = 0;
  if (index > 0) {
    start = ArrayOffset(data, frame, index - 1);
    if (start > frame.data_end) return {};
    start = AlignUp(start, elem.alignment);
  }
  size_t end = ArrayOffset(data, frame, index);
  if (start > end || end > frame.data_end) return {};
  return data.subspan(start, end - start);
}

bool MaybeChild(std::string_view maybe_type, ByteView data, ByteView* child, TypeCache* cache) {
  if (data.empty()) return false;
  TypeInfo elem = InfoOfValid(maybe_type.substr(1), cache);
  if (elem.is_fixed()) {
    // Any size other than the element's reads as Nothing.
    if (data.size() != elem.fixed_size) return false;
    *child = data;
    return true;
  }
  // A variable Just carries one extra zero byte after the child.
  *child = data.first(data.size() - 1);
  return true;
}

VariantParts SplitVariant(ByteView data) {
  VariantParts parts;
  size_t nul = data.size();
  for (size_t i = data.size(); i-- > 0;) {
    if (data[i] == 0) {
      nul = i;
      break;
    }
  }
  if (nul == data.size()) return parts;
  std::string_view type = AsChars(data.subspan(nul + 1));
  size_t length = 0;
  TypeInfo info;
  if (!ScanType(type, &length, &info) || length != type.size()) return parts;
  if (info.is_fixed() && info.fixed_size != nul) return parts;
  parts.type = type;
  parts.child = data.first(nul);
  parts.valid = true;
  return parts;
}

TupleWalker::TupleWalker(std::string_view tuple_type, ByteView data, TypeCache* cache)
    : type_(tuple_type),
      data_(data),
      cache_(cache),
      width_(OffsetSizeFor(data.size())),
      table_(data.size()) {}

bool TupleWalker::Next() {
  if (broken_ || type_pos_ + 1 >= type_.size()) return false;
  size_t length = 0;
  if (!ScanTypeWith(cache_, type_.substr(type_pos_), &length, &info_)) {
    broken_ = true;
    return false;
  }
  member_type_ = type_.substr(type_pos_, length);
  type_pos_ += length;
  bool last = type_pos_ + 1 >= type_.size();
  pad_start_ = pos_;
  start_ = AlignUp(pos_, info_.alignment);
  if (info_.is_fixed()) {
    end_ = start_ + info_.fixed_size;
  } else if (last) {
    end_ = table_;
  } else {
    if (table_ < width_ || table_ - width_ < start_) {
      broken_ = true;
      return false;
    }
    table_ -= width_;
    ++offsets_used_;
    end_ = ReadLittleEndian(data_.data() + table_, width_);
  }
  if (start_ > end_ || end_ > table_) {
    broken_ = true;
    return false;
  }
  pos_ = end_;
  return true;
}

size_t MemberCount(std::string_view tuple_type) {
  size_t count = 0;
  size_t p = 1;
  while (p + 1 < tuple_type.size()) {
    size_t length = 0;
    TypeInfo info;
    if (!ScanType(tuple_type.substr(p), &length, &info)) break;
    p += length;
    ++count;
  }
  return count;
}

}  // namespace ocitree::gvariant::framing
