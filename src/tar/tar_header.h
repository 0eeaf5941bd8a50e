// The 512-byte tar header block: field layout and the low-level decoders
// (numbers, strings, checksum). Internal to src/tar; TarReader builds on it.
#ifndef OCITREE_TAR_TAR_HEADER_H_
#define OCITREE_TAR_TAR_HEADER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ocitree::tar {

inline constexpr size_t kBlockSize = 512;
using Block = std::span<const uint8_t, kBlockSize>;

// Bytes needed after `size` bytes of data to reach the next block boundary.
inline constexpr uint64_t PaddingFor(uint64_t size) {
  return (kBlockSize - size % kBlockSize) % kBlockSize;
}

struct Field {
  size_t offset;
  size_t size;
};

// POSIX ustar layout; V7 and GNU share the first 257 bytes.
inline constexpr Field kNameField{0, 100};
inline constexpr Field kModeField{100, 8};
inline constexpr Field kUidField{108, 8};
inline constexpr Field kGidField{116, 8};
inline constexpr Field kSizeField{124, 12};
inline constexpr Field kMtimeField{136, 12};
inline constexpr Field kChecksumField{148, 8};
inline constexpr size_t kTypeflagOffset = 156;
inline constexpr Field kLinknameField{157, 100};
inline constexpr Field kMagicField{257, 6};
inline constexpr Field kVersionField{263, 2};
inline constexpr Field kUnameField{265, 32};
inline constexpr Field kGnameField{297, 32};
inline constexpr Field kDevMajorField{329, 8};
inline constexpr Field kDevMinorField{337, 8};
inline constexpr Field kPrefixField{345, 155};
// star keeps atime/ctime after a shorter prefix and marks it with "tar\0".
inline constexpr Field kStarPrefixField{345, 131};
inline constexpr Field kStarTrailerField{508, 4};

enum class HeaderFormat {
  kV7,     // no magic: nothing after the link name is meaningful
  kUstar,  // "ustar\0": uname, gname, devices and a 155-byte name prefix
  kStar,   // ustar with a 131-byte prefix
  kGnu,    // "ustar  \0": uname, gname, devices, no prefix (atime etc. there)
};

HeaderFormat DetectFormat(Block block);

// The field up to its first NUL (or the whole field if it has none).
std::string_view FieldString(Block block, Field field);

// Decodes an octal field (leading/trailing spaces and NULs allowed, all blank
// means 0) or a GNU base-256 field (high bit of the first byte set; may be
// negative). nullopt when malformed or out of int64 range.
std::optional<int64_t> ParseNumericField(Block block, Field field);

bool IsZeroBlock(Block block);

// True when the stored checksum equals the sum of the header bytes (checksum
// field counted as spaces) taken as unsigned bytes, or as signed bytes as some
// historic tars computed it (GNU tar accepts both).
bool ChecksumMatches(Block block);

// The checksum field as every common writer (GNU tar, Go, libarchive,
// Python) fills it: the unsigned byte sum with the field taken as spaces, as
// 6 octal digits, NUL, space (the sum is below 8^6).
std::array<uint8_t, kChecksumField.size> CanonicalChecksumField(Block block);

// Where in the archive a problem was found; turned into text only on error,
// since entries are parsed on a hot path.
struct Location {
  Location(uint64_t offset, std::string_view name = {}, const char* header = nullptr)
      : offset(offset), name(name), header(header) {}
  uint64_t offset;
  std::string_view name;  // entry name, if known
  const char* header;     // e.g. "PAX extended header", if not the entry's own
};
// "tar: offset N, entry \"NAME\": HEADER: " (parts omitted when unknown).
std::string Where(const Location& loc);

// Printable rendering of archive-controlled text for error messages: control
// and non-ASCII bytes escaped as \xNN, long names shortened.
std::string Printable(std::string_view text);

}  // namespace ocitree::tar

#endif  // OCITREE_TAR_TAR_HEADER_H_
