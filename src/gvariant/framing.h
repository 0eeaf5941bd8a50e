// Internal to src/gvariant: how serialised containers locate their children
// (offset tables, tuple member bounds, variant type strings). The validator,
// the View accessors and the text printer all use these, so the bytes that
// Parse checked are exactly the bytes the accessors later hand out.
//
// Every function here is bounds-safe for arbitrary input: a framing that does
// not make sense yields "no child" / an empty slice, never an out-of-range read.
#ifndef OCITREE_GVARIANT_FRAMING_H_
#define OCITREE_GVARIANT_FRAMING_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "base/bytes.h"
#include "gvariant/type_info.h"

namespace ocitree::gvariant::framing {

// glib's G_VARIANT_MAX_RECURSION_DEPTH: values nested this deep are refused.
constexpr size_t kMaxDepth = 128;

inline size_t AlignUp(size_t x, size_t alignment) {
  return (x + alignment - 1) & ~(alignment - 1);
}

// Offset width a reader derives from a container's total size.
size_t OffsetSizeFor(size_t container_size);
// Total size a normal-form writer produces for `body` bytes and `n` offsets.
size_t NormalTotalSize(size_t body, size_t n);
uint64_t ReadLittleEndian(const uint8_t* p, size_t width);

// Scans the complete type at the start of `type` without allocating (the
// public CompleteTypeLength/InfoOf build error messages); false if there is
// none. Defined in type_info.cc beside the scanner it exposes.
bool ScanType(std::string_view type, size_t* length, TypeInfo* info);

// Memoises type scans by the address where the type string starts, which
// determines the result. Without it, a value nested N deep re-scans its type
// at every level, and an array of many tiny deeply nested elements (a type
// taken from untrusted variant data) costs O(N * type length) per byte.
// Use one cache per pass over one value (a Parse or ToText call): every type
// string it has seen must stay alive and unchanged while it is in use.
class TypeCache {
 public:
  bool Scan(std::string_view type, size_t* length, TypeInfo* info);

 private:
  struct Entry {
    size_t length;
    TypeInfo info;
  };
  std::unordered_map<const char*, Entry> entries_;
};

// ScanType through `cache` when there is one.
bool ScanTypeWith(TypeCache* cache, std::string_view type, size_t* length, TypeInfo* info);

// For callers that already validated `type`: the infallible forms.
TypeInfo InfoOfValid(std::string_view type, TypeCache* cache = nullptr);
// glib's notion of a type's depth: basic types 1, containers 1 + deepest
// member (so "()" is 0). Used for the recursion limit on variant children.
size_t TypeDepth(std::string_view type);

// The offset table of an array with variable-size elements.
struct ArrayFrame {
  size_t count = 0;     // number of elements (0 if the framing is unusable)
  size_t width = 0;     // offset width
  size_t data_end = 0;  // where element data ends and the offset table starts
  bool usable = false;  // false: the last offset or table size is inconsistent
};
ArrayFrame FrameOf(ByteView data);
size_t ArrayOffset(ByteView data, const ArrayFrame& frame, size_t index);

// Element `index` of an array "aT": an empty slice if its bounds are bad.
ByteView ArrayElement(std::string_view array_type, ByteView data, size_t index,
                      TypeCache* cache = nullptr);
size_t ArrayLength(std::string_view array_type, ByteView data, TypeCache* cache = nullptr);

// The child of a maybe "mT", or false for Nothing.
bool MaybeChild(std::string_view maybe_type, ByteView data, ByteView* child,
                TypeCache* cache = nullptr);

// A variant's child: its type string (pointing into `data`) and bytes.
// valid=false when glib would read the variant as the unit "()".
struct VariantParts {
  std::string_view type;
  ByteView child;
  bool valid = false;
};
VariantParts SplitVariant(ByteView data);

// Walks the members of a tuple "(...)" or dict entry "{kv}" in order,
// computing each member's bounds the way a reader must: fixed members by
// size, the last member up to the offset table, others from the offset
// table read backwards from the end.
class TupleWalker {
 public:
  TupleWalker(std::string_view tuple_type, ByteView data, TypeCache* cache = nullptr);

  // Moves to the next member; false past the last member or when the framing
  // is inconsistent (then broken() is true and the walk stops).
  bool Next();
  bool broken() const { return broken_; }

  std::string_view member_type() const { return member_type_; }
  const TypeInfo& member_info() const { return info_; }
  size_t pad_start() const { return pad_start_; }  // end of the previous member
  size_t start() const { return start_; }
  size_t end() const { return end_; }
  ByteView member_data() const { return data_.subspan(start_, end_ - start_); }
  // Start of the offset table as far as it has been consumed; after the
  // last member this is where member data must end.
  size_t table_start() const { return table_; }
  size_t offsets_used() const { return offsets_used_; }

 private:
  std::string_view type_;
  ByteView data_;
  TypeCache* cache_;
  size_t width_;
  size_t type_pos_ = 1;
  size_t table_;
  size_t offsets_used_ = 0;
  size_t pos_ = 0;
  std::string_view member_type_;
  TypeInfo info_;
  size_t pad_start_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
  bool broken_ = false;
};

// Number of members of a tuple or dict entry type.
size_t MemberCount(std::string_view tuple_type);

}  // namespace ocitree::gvariant::framing

#endif  // OCITREE_GVARIANT_FRAMING_H_
