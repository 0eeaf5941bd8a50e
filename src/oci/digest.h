// Content digests as OCI writes them: "sha256:<64 lowercase hex>".
//
// The grammar (image-spec descriptor.md) is algorithm ":" encoded, with
// algorithm = [a-z0-9]+ joined by [+._-] and encoded = [a-zA-Z0-9=_-]+.
// Only sha256 is verified by ocitree: a well-formed digest with any other
// algorithm (sha512, blake3...) is kUnsupported, a malformed one is
// kInvalidArgument, so callers can tell "we cannot check this" from "this
// is garbage".
#ifndef OCITREE_OCI_DIGEST_H_
#define OCITREE_OCI_DIGEST_H_

#include <compare>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/checksum.h"
#include "ocitree/status.h"

namespace ocitree::oci {

class Digest {
 public:
  Digest() = default;  // all zero bytes: a placeholder, matches no content
  explicit Digest(const Checksum& sha256) : sha256_(sha256) {}

  static Result<Digest> Parse(std::string_view text);
  // The digest of `data`.
  static Digest Of(ByteView data);

  const Checksum& sha256() const { return sha256_; }
  std::string_view algorithm() const { return "sha256"; }
  std::string Hex() const { return sha256_.Hex(); }
  std::string ToString() const { return "sha256:" + sha256_.Hex(); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  Checksum sha256_;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_DIGEST_H_
