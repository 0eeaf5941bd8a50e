#include "gvariant/type_info.h"

#include <algorithm>
#include <string>

#include "gvariant/framing.h"

namespace ocitree::gvariant {
namespace {

// glib refuses type strings nested deeper than G_VARIANT_MAX_RECURSION_DEPTH;
// the same bound keeps our recursive scan's stack use small for type strings
// that come from untrusted variant data.
constexpr size_t kMaxTypeNesting = 128;

struct Scanned {
  size_t length = 0;
  TypeInfo info;
};

size_t AlignUp(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

bool IsBasic(char c) {
  switch (c) {
    case 'b': case 'y': case 'n': case 'q': case 'i': case 'u': case 'h':
    case 'x': case 't': case 'd': case 's': case 'o': case 'g':
      return true;
    default:
      return false;
  }
}

TypeInfo BasicInfo(char c) {
  switch (c) {
    case 'b': case 'y': return {1, 1};
    case 'n': case 'q': return {2, 2};
    case 'i': case 'u': case 'h': return {4, 4};
    case 'x': case 't': case 'd': return {8, 8};
    default: return {1, 0};  // s, o, g
  }
}

bool ScanAt(std::string_view s, size_t pos, size_t budget, Scanned* out);

// Members of "(...)" or the value of "{kv}" are laid out like struct fields:
// each aligned, fixed only if every member is; a fixed tuple is padded to
// its alignment and the unit tuple occupies one byte.
bool ScanTuple(std::string_view s, size_t pos, size_t budget, char close, Scanned* out) {
  size_t p = pos + 1;
  size_t align = 1;
  size_t offset = 0;
  bool fixed = true;
  size_t members = 0;
  while (true) {
    if (p >= s.size()) return false;
    if (s[p] == close) break;
    if (close == '}' && members == 0 && !IsBasic(s[p])) return false;
    if (budget == 0) return false;
    Scanned m;
    if (!ScanAt(s, p, budget - 1, &m)) return false;
    align = std::max(align, m.info.alignment);
    if (m.info.is_fixed()) {
      offset = AlignUp(offset, m.info.alignment) + m.info.fixed_size;
    } else {
      fixed = false;
    }
    p += m.length;
    ++members;
  }
  if (close == '}' && members != 2) return false;
  out->length = p + 1 - pos;
  out->info.alignment = align;
  out->info.fixed_size = fixed ? std::max<size_t>(AlignUp(offset, align), 1) : 0;
  return true;
}

// `budget` is how many more container levels may open below this one.
bool ScanAt(std::string_view s, size_t pos, size_t budget, Scanned* out) {
  if (pos >= s.size()) return false;
  char c = s[pos];
  if (IsBasic(c)) {
    *out = {1, BasicInfo(c)};
    return true;
  }
  switch (c) {
    case 'v':
      *out = {1, {8, 0}};
      return true;
    case 'a':
    case 'm': {
      if (budget == 0) return false;
      Scanned elem;
      if (!ScanAt(s, pos + 1, budget - 1, &elem)) return false;
      *out = {elem.length + 1, {elem.info.alignment, 0}};
      return true;
    }
    case '(':
      return ScanTuple(s, pos, budget, ')', out);
    case '{':
      return ScanTuple(s, pos, budget, '}', out);
    default:
      return false;
  }
}

Status BadType(std::string_view type) {
  return InvalidArgument("invalid GVariant type string '" + std::string(type) + "'");
}

}  // namespace

namespace framing {

bool ScanType(std::string_view type, size_t* length, TypeInfo* info) {
  Scanned s;
  if (!ScanAt(type, 0, kMaxTypeNesting, &s)) return false;
  *length = s.length;
  *info = s.info;
  return true;
}

}  // namespace framing

Result<size_t> CompleteTypeLength(std::string_view type) {
  Scanned s;
  if (!ScanAt(type, 0, kMaxTypeNesting, &s)) return BadType(type);
  return s.length;
}

Result<TypeInfo> InfoOf(std::string_view type) {
  Scanned s;
  if (!ScanAt(type, 0, kMaxTypeNesting, &s) || s.length != type.size()) return BadType(type);
  return s.info;
}

Result<std::vector<std::string_view>> MemberTypes(std::string_view type) {
  OCITREE_ASSIGN_OR_RETURN(TypeInfo info, InfoOf(type));
  (void)info;
  std::vector<std::string_view> members;
  char c = type[0];
  if (c == 'a' || c == 'm') {
    members.push_back(type.substr(1));
    return members;
  }
  if (c != '(' && c != '{') {
    return InvalidArgument("GVariant type '" + std::string(type) + "' has no members");
  }
  // The whole string was validated above, so every prefix scan succeeds.
  for (size_t p = 1; p + 1 < type.size();) {
    size_t n = CompleteTypeLength(type.substr(p)).value();
    members.push_back(type.substr(p, n));
    p += n;
  }
  return members;
}

}  // namespace ocitree::gvariant
