// Token answers (token or access_token, expires_in) and the cache's expiry
// and invalidation.
#include "registry/token_cache.h"

#include <gtest/gtest.h>

namespace ocitree::registry {
namespace {

TEST(RegistryTokenTest, ParsesEitherField) {
  auto t = ParseTokenResponse(R"({"token":"abc","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"})");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->token, "abc");
  EXPECT_EQ(t->expires_in.count(), 300);
  t = ParseTokenResponse(R"({"access_token":"xyz"})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token, "xyz");
  EXPECT_EQ(t->expires_in.count(), 60);
  t = ParseTokenResponse(R"({"token":"","access_token":"second"})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token, "second");
  // Under a minute counts as a minute.
  t = ParseTokenResponse(R"({"token":"a","expires_in":5})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->expires_in.count(), 60);
}

TEST(RegistryTokenTest, RefusesAnswersWithoutAToken) {
  for (const char* body : {"", "[]", "{}", R"({"token":5})", R"({"token":""})", "{\"token\":\"a\\nb\"}"}) {
    auto t = ParseTokenResponse(body);
    EXPECT_FALSE(t.ok()) << body;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), ErrorCode::kCorrupt);
    }
  }
}

TEST(RegistryTokenTest, CacheExpiresAndInvalidates) {
  TokenCache cache;
  auto now = TokenCache::Clock::now();
  std::string key = TokenCache::Key("https://auth/t", "svc", "repository:a:pull", "user");
  EXPECT_FALSE(cache.Get(key, now));
  cache.Put(key, "tok", std::chrono::seconds(300), now);
  EXPECT_EQ(cache.Get(key, now), "tok");
  EXPECT_EQ(cache.Get(key, now + std::chrono::seconds(200)), "tok");
  // A token about to expire is not handed out.
  EXPECT_FALSE(cache.Get(key, now + std::chrono::seconds(295)));
  // Other scope, other user: other entries.
  EXPECT_FALSE(cache.Get(TokenCache::Key("https://auth/t", "svc", "repository:b:pull", "user"), now));
  EXPECT_FALSE(cache.Get(TokenCache::Key("https://auth/t", "svc", "repository:a:pull", ""), now));
  // Invalidating an older token leaves a newer one alone.
  cache.Invalidate(key, "old");
  EXPECT_EQ(cache.Get(key, now), "tok");
  cache.Invalidate(key, "tok");
  EXPECT_FALSE(cache.Get(key, now));
}

}  // namespace
}  // namespace ocitree::registry
