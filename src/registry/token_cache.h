// Bearer tokens: the token server's answer, and a cache that hands the same
// token to every request for the same realm, service, scope and user until
// it expires, so parallel blob downloads do not each ask for one.
#ifndef OCITREE_REGISTRY_TOKEN_CACHE_H_
#define OCITREE_REGISTRY_TOKEN_CACHE_H_

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ocitree/status.h"

namespace ocitree::registry {

struct TokenResponse {
  std::string token;
  std::chrono::seconds expires_in{60};
};

// {"token": ...} or {"access_token": ...} (either, "token" first), with
// "expires_in" in seconds: absent or under 60 counts as 60 (as
// containers/image does, FORMATS.md 6.3). No token is kCorrupt.
Result<TokenResponse> ParseTokenResponse(std::string_view body);

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;

  static std::string Key(std::string_view realm, std::string_view service, std::string_view scope,
                         std::string_view user);

  // A token that stays valid for a few seconds more, or nullopt.
  std::optional<std::string> Get(const std::string& key, Clock::time_point now = Clock::now()) const;
  void Put(const std::string& key, std::string token, std::chrono::seconds lifetime,
           Clock::time_point now = Clock::now());
  // Drops the entry if it still holds `token` (another thread may already
  // have stored a fresh one).
  void Invalidate(const std::string& key, const std::string& token);

 private:
  struct Entry {
    std::string token;
    Clock::time_point expires;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_TOKEN_CACHE_H_
