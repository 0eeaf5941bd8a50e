// A validated, read-only view of serialised GVariant data.
//
// View::Parse checks the whole value once, up front: bounds, framing offsets,
// padding, string rules, nesting depth, and (by default) normal form. After
// that every accessor is infallible and never reads outside the buffer, so
// code that walks OSTree objects needs no error handling per field.
#ifndef OCITREE_GVARIANT_VIEW_H_
#define OCITREE_GVARIANT_VIEW_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "ocitree/status.h"

namespace ocitree::gvariant {

class View {
 public:
  View() = default;

  // Validates `data` as a value of `type`; rejects non-normal data unless
  // `require_normal` is false. Lenient parsing still rejects framing that is
  // out of bounds or out of order, wrong-sized fixed values at the top, and
  // nesting of 128 or deeper; it tolerates nonzero padding, non-minimal
  // offset widths, bad strings (GetString gives the bytes before the final
  // NUL, or "" if there is none), bools other than 0/1, and reads, as glib
  // does, an invalid variant as "()", a wrongly sized fixed-element array as
  // empty and a wrongly sized maybe as Nothing. A bad `type` is
  // kInvalidArgument, bad data kCorrupt. `data` must outlive the view;
  // `type` need not (it is interned).
  static Result<View> Parse(std::string_view type, ByteView data, bool require_normal = true);

  std::string_view type() const { return type_; }
  ByteView data() const { return data_; }

  // Arrays: element count; tuples and dict entries: member count.
  size_t NumChildren() const;
  View Child(size_t index) const;

  uint8_t GetByte() const;
  bool GetBool() const;
  uint32_t GetUint32() const;  // as stored; callers swap OSTree's BE fields
  uint64_t GetUint64() const;
  std::string_view GetString() const;  // s, o, g: without the trailing NUL
  ByteView GetBytes() const;           // ay
  View GetVariant() const;             // v: the child value

  // GVariant text form, as `ostree show` prints metadata values.
  std::string ToText() const;

 private:
  View(std::string_view type, ByteView data) : type_(type), data_(data) {}
  std::string_view type_;
  ByteView data_;
};

// For a{sv}: finds the value of `key`, or returns false.
bool LookupVariant(const View& asv, std::string_view key, View* value);

}  // namespace ocitree::gvariant

#endif  // OCITREE_GVARIANT_VIEW_H_
