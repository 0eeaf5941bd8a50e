#include "oci/ref_escape.h"

namespace ocitree::oci {

namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool KeptLiterally(char c, size_t pos) { return IsAlnum(c) || (pos > 0 && (c == '.' || c == '-')); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lowercase is refused: one spelling per string
}

}  // namespace

std::string EscapeRefComponent(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (KeptLiterally(c, i)) {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '_';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

Result<std::string> UnescapeRefComponent(std::string_view component) {
  auto bad = [&](const char* why) {
    return InvalidArgument("'" + std::string(component) + "' is not an escaped reference: " + why);
  };
  std::string out;
  for (size_t i = 0; i < component.size();) {
    char c = component[i];
    if (c != '_') {
      if (!KeptLiterally(c, out.size())) return bad("unexpected character");
      out += c;
      i++;
      continue;
    }
    if (i + 2 >= component.size()) return bad("truncated escape");
    int hi = HexValue(component[i + 1]);
    int lo = HexValue(component[i + 2]);
    if (hi < 0 || lo < 0) return bad("bad escape");
    char decoded = static_cast<char>(hi * 16 + lo);
    if (KeptLiterally(decoded, out.size())) return bad("escapes a character that needs none");
    out += decoded;
    i += 3;
  }
  return out;
}

bool IsValidRefComponent(std::string_view component) {
  if (component.empty() || component.size() > kMaxRefComponent) return false;
  for (size_t i = 0; i < component.size(); i++) {
    char c = component[i];
    bool ok = IsAlnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

}  // namespace ocitree::oci
