// The little URL handling a registry client needs: resolving a redirect's
// Location against the request, comparing origins (so credentials never go
// to another host), and escaping query values.
#ifndef OCITREE_REGISTRY_URL_H_
#define OCITREE_REGISTRY_URL_H_

#include <string>
#include <string_view>

#include "ocitree/status.h"

namespace ocitree::registry {

// `location` (absolute, or relative as RFC 3986 allows) resolved against
// `base`; only http and https results are accepted.
Result<std::string> ResolveUrl(std::string_view base, std::string_view location);

// "https://host:443": scheme and host lowercased, the port always spelled
// out. Two URLs with the same origin are the same server.
Result<std::string> UrlOrigin(std::string_view url);

// "http" or "https" (lowercased); "" when `url` does not parse.
std::string UrlScheme(std::string_view url);

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string QueryEscape(std::string_view value);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_URL_H_
