// GVariant serialisation in normal form, built bottom-up: each child is
// serialised first, then containers frame the serialised children. The
// output is byte-identical to glib's for the same value.
//
//   TupleBuilder t;                 // (uuua(ayay)) dirmeta
//   t.Add("u", Uint32(ToBigEndian32(uid)));  ...
//   Bytes dirmeta = t.Finish();
#ifndef OCITREE_GVARIANT_BUILDER_H_
#define OCITREE_GVARIANT_BUILDER_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "gvariant/type_info.h"

namespace ocitree::gvariant {

// Basic values in the writer's (little-endian) order. OSTree's big-endian
// fields are swapped by the caller (ToBigEndian32) before calling these.
Bytes Byte(uint8_t v);
Bytes Bool(bool v);
Bytes Uint32(uint32_t v);
Bytes Uint64(uint64_t v);
Bytes String(std::string_view s);  // s must be UTF-8 without NUL; adds the NUL
// A variant: the child's bytes, a NUL, then the child's type string.
Bytes Variant(std::string_view child_type, ByteView child);

// Frames a tuple "(...)" or a dict entry "{..}" from serialised members.
class TupleBuilder {
 public:
  // `type` is the member's complete type string; `child` its serialisation.
  TupleBuilder& Add(std::string_view type, ByteView child);
  Bytes Finish() const;

 private:
  struct Member {
    TypeInfo info;
    Bytes data;
  };
  std::vector<Member> members_;
};

// Frames an array "aT" from serialised elements of type T.
class ArrayBuilder {
 public:
  explicit ArrayBuilder(std::string_view element_type);
  ArrayBuilder& Add(ByteView element);
  size_t size() const { return elements_.size(); }
  Bytes Finish() const;

 private:
  TypeInfo info_;
  std::vector<Bytes> elements_;
};

}  // namespace ocitree::gvariant

#endif  // OCITREE_GVARIANT_BUILDER_H_
