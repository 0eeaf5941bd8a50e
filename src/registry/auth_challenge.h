// WWW-Authenticate challenges (RFC 7235): what a 401 asks for. Registries
// send `Bearer realm="...",service="...",scope="..."` or `Basic realm=...`,
// sometimes several challenges in one header or over several headers.
#ifndef OCITREE_REGISTRY_AUTH_CHALLENGE_H_
#define OCITREE_REGISTRY_AUTH_CHALLENGE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ocitree::registry {

struct Challenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lowercased, values unquoted
  std::string token68;                        // the rare `Scheme token68` form

  // The parameter's value, or "".
  std::string Param(std::string_view name) const;
};

// Every challenge in one header value. Never fails: a header is untrusted
// input, so malformed pieces are skipped and whatever is well formed is
// kept (commas and escaped quotes inside quoted strings are part of the
// value; an unterminated quote runs to the end).
std::vector<Challenge> ParseChallenges(std::string_view header);

// The challenges of several WWW-Authenticate headers, in order.
std::vector<Challenge> ParseChallenges(const std::vector<std::string>& headers);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_AUTH_CHALLENGE_H_
