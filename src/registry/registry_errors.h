// A registry's failure answers turned into messages a person can act on:
// the HTTP status with its meaning, and the distribution spec's JSON errors
// ({"errors":[{"code":"MANIFEST_UNKNOWN","message":"...","detail":...}]}).
#ifndef OCITREE_REGISTRY_REGISTRY_ERRORS_H_
#define OCITREE_REGISTRY_REGISTRY_ERRORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "ocitree/status.h"

namespace ocitree::registry {

struct RegistryError {
  std::string code;     // "MANIFEST_UNKNOWN"
  std::string message;  // "manifest unknown"
  std::string detail;   // a string detail, or compact JSON of any other
};

// The errors of a distribution-spec error body; empty when the body is not
// one (HTML from a proxy, plain text, nothing).
std::vector<RegistryError> ParseRegistryErrors(std::string_view body);

// "HTTP 404 (not found): MANIFEST_UNKNOWN: manifest unknown"; without a
// JSON body, the start of a plain-text body instead (control characters
// dropped, at most 200 characters).
std::string DescribeHttpFailure(long status, std::string_view body);

// `what`: DescribeHttpFailure. 404 is kNotFound, anything else kIo.
Status HttpStatusError(long status, std::string_view body, std::string_view what);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_REGISTRY_ERRORS_H_
