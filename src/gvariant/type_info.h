// What the GVariant serialisation needs to know about a type string:
// alignment, fixed size, and where its members are.
#ifndef OCITREE_GVARIANT_TYPE_INFO_H_
#define OCITREE_GVARIANT_TYPE_INFO_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "ocitree/status.h"

namespace ocitree::gvariant {

struct TypeInfo {
  size_t alignment = 1;   // 1, 2, 4 or 8
  size_t fixed_size = 0;  // 0 = variable size
  bool is_fixed() const { return fixed_size != 0; }
};

// Length of the single complete type at the start of `type` ("a{sv}u" -> 5);
// an error if it does not start with a valid complete type.
Result<size_t> CompleteTypeLength(std::string_view type);

// Alignment and fixed size of one complete type ("(uuua(ayay))", "t", ...).
Result<TypeInfo> InfoOf(std::string_view type);

// Members of a tuple or dict-entry type: "(sayay)" -> {"s","ay","ay"};
// the element type of an array or maybe: "a(say)" -> {"(say)"}.
Result<std::vector<std::string_view>> MemberTypes(std::string_view type);

}  // namespace ocitree::gvariant

#endif  // OCITREE_GVARIANT_TYPE_INFO_H_
