#include "registry/token_cache.h"

#include <nlohmann/json.hpp>

namespace ocitree::registry {

namespace {
constexpr std::chrono::seconds kMinLifetime{60};
// Requests take a while to reach the registry: stop using a token early.
constexpr std::chrono::seconds kExpiryMargin{10};
}  // namespace

Result<TokenResponse> ParseTokenResponse(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Corrupt("the token server's answer is not a JSON object");
  TokenResponse out;
  for (const char* name : {"token", "access_token"}) {
    auto it = doc.find(name);
    if (it != doc.end() && it->is_string() && !it->get<std::string>().empty()) {
      out.token = it->get<std::string>();
      break;
    }
  }
  if (out.token.empty()) return Corrupt("the token server's answer has no \"token\" or \"access_token\"");
  for (char c : out.token) {
    // It goes into a header line: no control characters.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Corrupt("the token server sent a malformed token");
  }
  if (auto it = doc.find("expires_in"); it != doc.end() && it->is_number()) {
    double seconds = it->get<double>();
    if (seconds > kMinLifetime.count() && seconds < 1e9) out.expires_in = std::chrono::seconds(int64_t(seconds));
  }
  return out;
}

std::string TokenCache::Key(std::string_view realm, std::string_view service, std::string_view scope,
                            std::string_view user) {
  std::string key;
  for (std::string_view part : {realm, service, scope, user}) {
    key += part;
    key.push_back('\n');  // cannot occur in any part: they came through header lines
  }
  return key;
}

std::optional<std::string> TokenCache::Get(const std::string& key, Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now + kExpiryMargin >= it->second.expires) return std::nullopt;
  return it->second.token;
}

void TokenCache::Put(const std::string& key, std::string token, std::chrono::seconds lifetime,
                     Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = Entry{std::move(token), now + std::max(lifetime, kMinLifetime)};
}

void TokenCache::Invalidate(const std::string& key, const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.token == token) entries_.erase(it);
}

}  // namespace ocitree::registry
