#include "tar/tar_header.h"

#include <algorithm>
#include <cstring>

namespace ocitree::tar {
namespace {

std::string_view RawField(Block block, Field field) {
  return {reinterpret_cast<const char*>(block.data()) + field.offset, field.size};
}

bool IsBlank(char c) { return c == ' ' || c == '\0'; }

std::optional<int64_t> ParseOctal(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  // The widest field is 12 bytes: 36 bits, so no overflow check is needed.
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + (c - '0');
  }
  return value;
}

// GNU base-256: big-endian two's complement over the whole field, where the
// first byte's 0x80 bit only marks the encoding (0x80 positive, 0xff negative).
std::optional<int64_t> ParseBase256(std::string_view text) {
  const bool negative = (static_cast<uint8_t>(text[0]) & 0x40) != 0;
  const uint8_t flip = negative ? 0xff : 0x00;
  uint64_t magnitude = 0;  // of the value, or of ~value when negative
  for (size_t i = 0; i < text.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(text[i]) ^ flip;
    if (i == 0) c &= 0x7f;
    if (magnitude >> 56) return std::nullopt;
    magnitude = (magnitude << 8) | c;
  }
  if (magnitude >> 63) return std::nullopt;
  const auto v = static_cast<int64_t>(magnitude);
  return negative ? ~v : v;
}

}  // namespace

HeaderFormat DetectFormat(Block block) {
  std::string_view magic = RawField(block, kMagicField);
  std::string_view version = RawField(block, kVersionField);
  if (magic == std::string_view("ustar ", 6) && version == std::string_view(" \0", 2)) {
    return HeaderFormat::kGnu;
  }
  // GNU tar only checks the magic for POSIX headers; so do we (version is
  // "00" in practice).
  if (magic != std::string_view("ustar\0", 6)) return HeaderFormat::kV7;
  if (RawField(block, kStarTrailerField) == std::string_view("tar\0", 4)) {
    return HeaderFormat::kStar;
  }
  return HeaderFormat::kUstar;
}

std::string_view FieldString(Block block, Field field) {
  std::string_view raw = RawField(block, field);
  size_t nul = raw.find('\0');
  return nul == std::string_view::npos ? raw : raw.substr(0, nul);
}

std::optional<int64_t> ParseNumericField(Block block, Field field) {
  std::string_view raw = RawField(block, field);
  if (static_cast<uint8_t>(raw[0]) & 0x80) return ParseBase256(raw);
  return ParseOctal(raw);
}

bool IsZeroBlock(Block block) {
  // Word-wise: this runs for every header block.
  uint64_t acc = 0;
  for (size_t i = 0; i < kBlockSize; i += sizeof(uint64_t)) {
    uint64_t w;
    std::memcpy(&w, block.data() + i, sizeof w);
    acc |= w;
  }
  return acc == 0;
}

bool ChecksumMatches(Block block) {
  std::optional<int64_t> stored = ParseOctal(RawField(block, kChecksumField));
  if (!stored) return false;
  int64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlockSize; ++i) {
    const bool in_field = i >= kChecksumField.offset &&
                          i < kChecksumField.offset + kChecksumField.size;
    const uint8_t b = in_field ? ' ' : block[i];
    unsigned_sum += b;
    signed_sum += static_cast<int8_t>(b);
  }
  return *stored == unsigned_sum || *stored == signed_sum;
}

std::array<uint8_t, kChecksumField.size> CanonicalChecksumField(Block block) {
  uint32_t sum = kChecksumField.size * ' ';
  for (size_t i = 0; i < kBlockSize; i++)
    if (i < kChecksumField.offset || i >= kChecksumField.offset + kChecksumField.size) sum += block[i];
  std::array<uint8_t, kChecksumField.size> field{};
  for (int i = 5; i >= 0; i--, sum >>= 3) field[i] = static_cast<uint8_t>('0' + (sum & 7));
  field[6] = 0;
  field[7] = ' ';
  return field;
}

std::string Where(const Location& loc) {
  std::string out = "tar: offset " + std::to_string(loc.offset);
  if (!loc.name.empty()) out += ", entry \"" + Printable(loc.name) + "\"";
  out += ": ";
  if (loc.header) out += std::string(loc.header) + ": ";
  return out;
}

std::string Printable(std::string_view text) {
  constexpr size_t kMaxShown = 256;
  std::string out;
  const size_t shown = std::min(text.size(), kMaxShown);
  out.reserve(shown + 8);
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (shown < text.size()) out += "...";
  return out;
}

}  // namespace ocitree::tar
