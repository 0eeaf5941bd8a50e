// Byte buffers and big-endian helpers shared by the format codecs.
#ifndef OCITREE_BASE_BYTES_H_
#define OCITREE_BASE_BYTES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ocitree {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// OSTree stores uid, gid, mode and timestamps pre-swapped to big-endian
// inside otherwise little-endian GVariants; these make that explicit.
inline uint32_t ToBigEndian32(uint32_t v) { return __builtin_bswap32(v); }
inline uint64_t ToBigEndian64(uint64_t v) { return __builtin_bswap64(v); }
inline uint32_t FromBigEndian32(uint32_t v) { return __builtin_bswap32(v); }
inline uint64_t FromBigEndian64(uint64_t v) { return __builtin_bswap64(v); }

inline void AppendBigEndian32(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace ocitree

#endif  // OCITREE_BASE_BYTES_H_
