// Base64 (RFC 4648, standard alphabet): HTTP Basic credentials, auth.json
// "auth" entries, PAX xattr values written by libarchive.
#ifndef OCITREE_BASE_BASE64_H_
#define OCITREE_BASE_BASE64_H_

#include <string>
#include <string_view>

#include "ocitree/status.h"

namespace ocitree {

std::string Base64Encode(std::string_view data);
// Padding is optional (some tools drop it); whitespace and any character
// outside the alphabet are kInvalidArgument.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace ocitree

#endif  // OCITREE_BASE_BASE64_H_
