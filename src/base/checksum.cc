#include "base/checksum.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace ocitree {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

std::string Checksum::Hex() const {
  std::string out(64, '0');
  for (size_t i = 0; i < 32; i++) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xf];
  }
  return out;
}

bool Checksum::IsValidHex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (HexValue(c) < 0) return false;
  return true;
}

Result<Checksum> Checksum::FromHex(std::string_view hex) {
  if (!IsValidHex(hex))
    return InvalidArgument("not a sha256 checksum (64 lowercase hex digits): '" + std::string(hex.substr(0, 80)) + "'");
  Checksum c;
  for (size_t i = 0; i < 32; i++) c.bytes[i] = static_cast<uint8_t>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
  return c;
}

Result<Checksum> Checksum::FromBytes(std::span<const uint8_t> raw) {
  if (raw.size() != 32) return Corrupt("checksum has " + std::to_string(raw.size()) + " bytes, expected 32");
  Checksum c;
  std::copy(raw.begin(), raw.end(), c.bytes.begin());
  return c;
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

void Sha256::Update(std::span<const uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

Checksum Sha256::Finish() {
  Checksum c;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, c.bytes.data(), &len);
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
  return c;
}

Checksum Sha256::Of(std::span<const uint8_t> data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

}  // namespace ocitree
