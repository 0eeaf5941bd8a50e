// SHA-256 checksums (OpenSSL EVP, which uses the CPU's SHA instructions) and
// their hex and `sha256:` digest spellings.
#ifndef OCITREE_BASE_CHECKSUM_H_
#define OCITREE_BASE_CHECKSUM_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ocitree/status.h"

namespace ocitree {

struct Checksum {
  std::array<uint8_t, 32> bytes{};

  std::string Hex() const;
  std::span<const uint8_t> span() const { return bytes; }
  // Parses exactly 64 lowercase hex digits.
  static Result<Checksum> FromHex(std::string_view hex);
  // Takes exactly 32 raw bytes.
  static Result<Checksum> FromBytes(std::span<const uint8_t> raw);
  static bool IsValidHex(std::string_view hex);

  friend bool operator==(const Checksum&, const Checksum&) = default;
  friend auto operator<=>(const Checksum&, const Checksum&) = default;
};

struct ChecksumHash {
  size_t operator()(const Checksum& c) const {
    size_t h;
    static_assert(sizeof(h) <= 32);
    __builtin_memcpy(&h, c.bytes.data(), sizeof(h));
    return h;
  }
};

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data) {
    Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  }
  // Returns the digest; the object is reset and may be reused.
  Checksum Finish();

  static Checksum Of(std::span<const uint8_t> data);
  static Checksum Of(std::string_view data) {
    return Of({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  }

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace ocitree

#endif  // OCITREE_BASE_CHECKSUM_H_
