// Reading untrusted JSON (manifests, indexes, configs, index.json) without
// exceptions and within the limits of limits.h. Internal to src/oci: the
// public types never expose nlohmann::json except as a forward declaration.
#ifndef OCITREE_OCI_JSON_DOC_H_
#define OCITREE_OCI_JSON_DOC_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "ocitree/status.h"

namespace ocitree::oci {

using Json = nlohmann::json;

// Parses `bytes` as one JSON object: at most kMaxJsonSize bytes, nesting at
// most kMaxJsonDepth, valid UTF-8. Errors name `what`: kUnsupported for the
// limits (the document may be fine, just more than we hold), else kCorrupt.
Result<Json> ParseJsonObject(ByteView bytes, std::string_view what);

// The helpers below read one member of an object. A missing member and a
// JSON null are the same thing, as for Go's encoding/json, which wrote most
// images in circulation (Docker configs say "Labels": null). Errors name the
// member and `where`: kCorrupt, or kUnsupported past kMaxEntries.

// The member, or nullptr when absent or null.
const Json* FindMember(const Json& obj, std::string_view key);
// "" when absent and !required.
Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view where,
                              bool required);
// A non-negative integer that fits uint64 (no fractions, no exponents).
Result<uint64_t> GetUnsigned(const Json& obj, std::string_view key, std::string_view where);
// false when absent.
Result<bool> GetBool(const Json& obj, std::string_view key, std::string_view where);
// An array of at most kMaxEntries items; nullptr when absent and !required.
Result<const Json*> GetArray(const Json& obj, std::string_view key, std::string_view where,
                             bool required);
// An object; nullptr when absent and !required.
Result<const Json*> GetObject(const Json& obj, std::string_view key, std::string_view where,
                              bool required);
// Empty when absent.
Result<std::vector<std::string>> GetStringArray(const Json& obj, std::string_view key,
                                                std::string_view where);
// A string -> string map (annotations, labels); empty when absent.
Result<std::map<std::string, std::string>> GetStringMap(const Json& obj, std::string_view key,
                                                        std::string_view where);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_JSON_DOC_H_
