// View::ToText: the GVariant text format as g_variant_print(value, FALSE)
// writes it (what `ostree show` prints for metadata values).
//
// The printer works on (type, bytes) pairs through the framing helpers, so
// tuples are walked once instead of re-walked per member.
#include <charconv>
#include <cstdio>
#include <string>

#include "gvariant/framing.h"
#include "gvariant/view.h"

namespace ocitree::gvariant {
namespace {

using framing::TupleWalker;

uint64_t ReadSized(ByteView data, size_t size) {
  return data.size() == size ? framing::ReadLittleEndian(data.data(), size) : 0;
}

// Decodes one UTF-8 character starting at s[i] for printing; returns its
// length and code point, or length 0 for a byte that is not valid UTF-8
// (only possible for leniently parsed data).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  auto tail = [&](size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
  uint8_t c = b(0);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (n == 0 || c > 0xf4) return 0;
  uint32_t v = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    if (!tail(k)) return 0;
    v = (v << 6) | (b(k) & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return n;
}

// An approximation of g_unichar_isprint: control and the common format
// characters are escaped; glib also escapes unassigned code points, which
// would need the Unicode tables.
bool IsPrintable(uint32_t c) {
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return false;
  if (c == 0xad || c == 0x61c || c == 0x180e || c == 0xfeff) return false;
  if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e)) return false;
  if ((c >= 0x2060 && c <= 0x206f) || (c >= 0xfff9 && c <= 0xfffb)) return false;
  if (c >= 0xe0000 && c <= 0xe007f) return false;
  return true;
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(*out) {}

  void Value(std::string_view type, ByteView data, bool annotate, size_t depth) {
    // Parse bounds the depth of every view; this only guards against misuse.
    if (depth > framing::kMaxDepth) {
      out_ += "...";
      return;
    }
    switch (type.empty() ? '\0' : type[0]) {
      case 'm': return Maybe(type, data, annotate, depth);
      case 'a': return Array(type, data, annotate, depth);
      case '(': return Tuple(type, data, annotate, depth);
      case '{': return DictEntry(type, data, annotate, depth);
      case 'v': return Variant(data, depth);
      case 's': return QuotedString(StringOf(data));
      case 'o': return Tagged(annotate, "objectpath '", StringOf(data), "'");
      case 'g': return Tagged(annotate, "signature '", StringOf(data), "'");
      case '\0': return;
      default: return Number(type[0], data, annotate);
    }
  }

 private:
  static std::string_view StringOf(ByteView data) {
    if (data.empty() || data.back() != 0) return {};
    return AsChars(data.first(data.size() - 1));
  }

  void Tagged(bool annotate, std::string_view open, std::string_view s, std::string_view close) {
    if (!annotate) open.remove_prefix(open.find('\''));
    out_ += open;
    out_ += s;
    out_ += close;
  }

  // Nested maybes print without "just" unless a Nothing inside needs it.
  void Maybe(std::string_view type, ByteView data, bool annotate, size_t depth) {
    if (annotate) Append("@", type, " ");
    ByteView child;
    if (!framing::MaybeChild(type, data, &child, &cache_)) {
      out_ += "nothing";
      return;
    }
    size_t levels = type.find_first_not_of('m');
    std::string_view cur_type = type;
    ByteView cur = data;
    for (size_t i = 0; i < levels; ++i) {
      if (!framing::MaybeChild(cur_type, cur, &child, &cache_)) {
        for (size_t k = 0; k < i; ++k) out_ += "just ";
        out_ += "nothing";
        return;
      }
      cur = child;
      cur_type = cur_type.substr(1);
    }
    Value(cur_type, cur, false, depth + levels);
  }

  void Array(std::string_view type, ByteView data, bool annotate, size_t depth) {
    std::string_view elem = type.substr(1);
    if (elem == "y" && IsByteString(data)) return ByteString(data);
    size_t n = framing::ArrayLength(type, data, &cache_);
    bool dict = elem[0] == '{';
    if (n == 0) {
      if (annotate) Append("@", type, " ");
      out_ += dict ? "{}" : "[]";
      return;
    }
    out_ += dict ? '{' : '[';
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out_ += ", ";
      ByteView e = framing::ArrayElement(type, data, i, &cache_);
      if (dict) {
        DictMembers(elem, e, annotate, depth + 1, ": ");
      } else {
        Value(elem, e, annotate, depth + 1);
      }
      annotate = false;  // the first element fixes the type for a reader
    }
    out_ += dict ? '}' : ']';
  }

  void DictMembers(std::string_view type, ByteView data, bool annotate, size_t depth,
                   std::string_view separator) {
    TupleWalker w(type, data, &cache_);
    for (int i = 0; w.Next(); ++i) {
      if (i > 0) out_ += separator;
      Value(w.member_type(), w.member_data(), annotate, depth + 1);
    }
  }

  void DictEntry(std::string_view type, ByteView data, bool annotate, size_t depth) {
    out_ += '{';
    DictMembers(type, data, annotate, depth, ", ");
    out_ += '}';
  }

  void Tuple(std::string_view type, ByteView data, bool annotate, size_t depth) {
    out_ += '(';
    TupleWalker w(type, data, &cache_);
    size_t n = 0;
    for (; w.Next(); ++n) {
      if (n > 0) out_ += ", ";
      Value(w.member_type(), w.member_data(), annotate, depth + 1);
    }
    if (n == 1) out_ += ',';
    out_ += ')';
  }

  void Variant(ByteView data, size_t depth) {
    framing::VariantParts parts = framing::SplitVariant(data);
    out_ += '<';
    // Children of variants are always annotated: their type is not implied.
    Value(parts.valid ? parts.type : "()", parts.child, true, depth + 1);
    out_ += '>';
  }

  // glib prints "ay" whose only NUL is the last byte as b'...'.
  static bool IsByteString(ByteView data) {
    if (data.empty() || data.back() != 0) return false;
    for (size_t i = 0; i + 1 < data.size(); ++i) {
      if (data[i] == 0) return false;
    }
    return true;
  }

  // Escaping follows g_strescape: C escapes, other bytes outside
  // printable ASCII as three octal digits.
  void ByteString(ByteView data) {
    std::string_view s = AsChars(data.first(data.size() - 1));
    char quote = s.find('\'') != std::string_view::npos ? '"' : '\'';
    out_ += 'b';
    out_ += quote;
    for (char ch : s) {
      auto c = static_cast<uint8_t>(ch);
      const char* esc = nullptr;
      switch (c) {
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        case '\\': esc = "\\\\"; break;
        case '"': esc = "\\\""; break;
        default: break;
      }
      if (esc != nullptr) {
        out_ += esc;
      } else if (c < 0x20 || c >= 0x7f) {
        AppendFormat("\\%03o", static_cast<unsigned>(c));
      } else {
        out_ += ch;
      }
    }
    out_ += quote;
  }

  void QuotedString(std::string_view s) {
    char quote = s.find('\'') != std::string_view::npos ? '"' : '\'';
    out_ += quote;
    for (size_t i = 0; i < s.size();) {
      uint32_t c = 0;
      size_t n = DecodeUtf8(s, i, &c);
      if (n == 0) {  // not UTF-8: only reachable for lenient views
        AppendFormat("\\x%02x", static_cast<unsigned>(static_cast<uint8_t>(s[i])));
        ++i;
        continue;
      }
      if (c == static_cast<uint32_t>(quote) || c == '\\') out_ += '\\';
      if (IsPrintable(c)) {
        out_ += s.substr(i, n);
      } else {
        EscapeChar(c);
      }
      i += n;
    }
    out_ += quote;
  }

  void EscapeChar(uint32_t c) {
    switch (c) {
      case '\a': out_ += "\\a"; return;
      case '\b': out_ += "\\b"; return;
      case '\f': out_ += "\\f"; return;
      case '\n': out_ += "\\n"; return;
      case '\r': out_ += "\\r"; return;
      case '\t': out_ += "\\t"; return;
      case '\v': out_ += "\\v"; return;
      default: break;
    }
    if (c < 0x10000) {
      AppendFormat("\\u%04x", c);
    } else {
      AppendFormat("\\U%08x", c);
    }
  }

  void Number(char t, ByteView data, bool annotate) {
    switch (t) {
      case 'b': out_ += ReadSized(data, 1) != 0 ? "true" : "false"; return;
      case 'y':
        if (annotate) out_ += "byte ";
        return AppendFormat("0x%02x", static_cast<unsigned>(ReadSized(data, 1)));
      case 'n': return Integer(annotate, "int16 ", static_cast<int16_t>(ReadSized(data, 2)));
      case 'q': return Integer(annotate, "uint16 ", static_cast<uint16_t>(ReadSized(data, 2)));
      case 'i': return Integer(false, "", static_cast<int32_t>(ReadSized(data, 4)));
      case 'h': return Integer(annotate, "handle ", static_cast<int32_t>(ReadSized(data, 4)));
      case 'u': return Integer(annotate, "uint32 ", static_cast<uint32_t>(ReadSized(data, 4)));
      case 'x': return Integer(annotate, "int64 ", static_cast<int64_t>(ReadSized(data, 8)));
      case 't': return Integer(annotate, "uint64 ", ReadSized(data, 8));
      case 'd': return Double(ReadSized(data, 8));
      default: return;
    }
  }

  template <typename T>
  void Integer(bool annotate, std::string_view tag, T v) {
    if (annotate) out_ += tag;
    out_ += std::to_string(v);
  }

  // "%.17g" like g_ascii_dtostr, plus ".0" when it reads as an integer.
  void Double(uint64_t bits) {
    double d = 0;
    static_assert(sizeof(d) == sizeof(bits));
    __builtin_memcpy(&d, &bits, sizeof(d));
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::general, 17);
    std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
    out_ += s;
    if (s.find_first_of(".enN") == std::string_view::npos) out_ += ".0";
  }

  template <typename... Args>
  void AppendFormat(const char* fmt, Args... args) {
    char buf[32];
    int n = std::snprintf(buf, sizeof(buf), fmt, args...);
    if (n > 0) out_.append(buf, static_cast<size_t>(n));
  }

  void Append(std::string_view a, std::string_view b, std::string_view c) {
    out_ += a;
    out_ += b;
    out_ += c;
  }

  std::string& out_;
  framing::TypeCache cache_;
};

}  // namespace

std::string View::ToText() const {
  std::string out;
  Printer(&out).Value(type_, data_, false, 0);
  return out;
}

}  // namespace ocitree::gvariant
