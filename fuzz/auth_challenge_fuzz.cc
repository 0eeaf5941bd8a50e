// Fuzzes WWW-Authenticate parsing (src/registry/auth_challenge.h), which
// reads headers a registry (or anything posing as one) sends. The input is
// one header value, and also several headers split at newlines. Checks the
// shape of what comes out: non-empty lowercase schemes and parameter names,
// and the lookup helper agreeing with the map.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "registry/auth_challenge.h"

namespace ocitree::fuzz {
namespace {

bool IsLowerToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (std::isupper(static_cast<unsigned char>(c)) || c == ' ' || c == '\t' || c == ',' ||
        c == '=' || c == '"')
      return false;
  }
  return true;
}

void CheckChallenges(const std::vector<registry::Challenge>& challenges) {
  for (const auto& c : challenges) {
    FUZZ_CHECK(IsLowerToken(c.scheme));
    FUZZ_CHECK(c.token68.empty() || c.params.empty());
    for (const auto& [name, value] : c.params) {
      FUZZ_CHECK(IsLowerToken(name));
      FUZZ_CHECK(c.Param(name) == value);
    }
    (void)c.Param("realm");
  }
}

}  // namespace
}  // namespace ocitree::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocitree;
  std::string_view text = fuzz::AsText(data, size);
  std::vector<registry::Challenge> one = registry::ParseChallenges(text);
  fuzz::CheckChallenges(one);

  std::vector<std::string> headers;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    headers.emplace_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  std::vector<registry::Challenge> several = registry::ParseChallenges(headers);
  fuzz::CheckChallenges(several);
  size_t total = 0;
  for (const auto& h : headers) total += registry::ParseChallenges(std::string_view(h)).size();
  FUZZ_CHECK(several.size() == total);
  return 0;
}
