#include "oci/digest.h"

namespace ocitree::oci {

namespace {

bool IsAlgorithmChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlgorithmSeparator(char c) { return c == '+' || c == '.' || c == '_' || c == '-'; }
bool IsEncodedChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '=' ||
         c == '_' || c == '-';
}

bool ValidAlgorithm(std::string_view alg) {
  if (alg.empty() || !IsAlgorithmChar(alg.front()) || !IsAlgorithmChar(alg.back())) return false;
  for (size_t i = 0; i < alg.size(); i++) {
    char c = alg[i];
    if (IsAlgorithmChar(c)) continue;
    // The last character is alphanumeric, so alg[i + 1] exists.
    if (!IsAlgorithmSeparator(c) || IsAlgorithmSeparator(alg[i + 1])) return false;
  }
  return true;
}

// Keeps error messages readable when the input is megabytes of junk.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 100;
  std::string out = "'";
  out += text.substr(0, kMax);
  if (text.size() > kMax) out += "...";
  out += "'";
  return out;
}

}  // namespace

Result<Digest> Digest::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("invalid digest " + Quote(text) + ": expected ALGORITHM:HEX");
  }
  std::string_view alg = text.substr(0, colon);
  std::string_view encoded = text.substr(colon + 1);
  bool encoded_ok = !encoded.empty();
  for (char c : encoded) encoded_ok = encoded_ok && IsEncodedChar(c);
  if (!ValidAlgorithm(alg) || !encoded_ok) {
    return InvalidArgument("invalid digest " + Quote(text));
  }
  if (alg != "sha256") {
    return Unsupported("digest algorithm '" + std::string(alg) + "' is not supported (only sha256)");
  }
  Result<Checksum> sum = Checksum::FromHex(encoded);
  if (!sum.ok()) {
    return InvalidArgument("invalid digest " + Quote(text) +
                           ": sha256 needs exactly 64 lowercase hex digits");
  }
  return Digest(*sum);
}

Digest Digest::Of(ByteView data) { return Digest(Sha256::Of(data)); }

}  // namespace ocitree::oci
