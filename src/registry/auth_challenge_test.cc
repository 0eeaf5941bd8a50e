// WWW-Authenticate parsing: the shapes registries send, quoted strings with
// commas and escapes, several challenges per header, and garbage that must
// not break what is well formed.
#include "registry/auth_challenge.h"

#include <gtest/gtest.h>

namespace ocitree::registry {
namespace {

TEST(RegistryAuthChallengeTest, DockerHubBearer) {
  auto c = ParseChallenges(
      std::string_view(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c[0].Param("service"), "registry.docker.io");
  EXPECT_EQ(c[0].Param("scope"), "repository:library/alpine:pull");
  EXPECT_EQ(c[0].Param("missing"), "");
}

TEST(RegistryAuthChallengeTest, BasicWithRealm) {
  auto c = ParseChallenges(std::string_view(R"(Basic realm="Registry Realm")"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].Param("realm"), "Registry Realm");
}

TEST(RegistryAuthChallengeTest, CommasAndEscapesInsideQuotes) {
  auto c = ParseChallenges(std::string_view(
      R"(Bearer realm="https://a/t?x=1,2",scope="repository:a:pull,push repository:b:pull",error="insufficient_scope",note="say \"hi\", \\ok")"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].Param("realm"), "https://a/t?x=1,2");
  EXPECT_EQ(c[0].Param("scope"), "repository:a:pull,push repository:b:pull");
  EXPECT_EQ(c[0].Param("error"), "insufficient_scope");
  EXPECT_EQ(c[0].Param("note"), R"(say "hi", \ok)");
}

TEST(RegistryAuthChallengeTest, SeveralChallengesInOneHeader) {
  auto c = ParseChallenges(std::string_view(
      R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple", Bearer realm="https://t", service=reg)"));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].scheme, "newauth");
  EXPECT_EQ(c[0].Param("type"), "1");
  EXPECT_EQ(c[0].Param("title"), R"(Login to "apps")");
  EXPECT_EQ(c[1].scheme, "basic");
  EXPECT_EQ(c[1].Param("realm"), "simple");
  EXPECT_EQ(c[2].scheme, "bearer");
  EXPECT_EQ(c[2].Param("realm"), "https://t");
  EXPECT_EQ(c[2].Param("service"), "reg");
}

TEST(RegistryAuthChallengeTest, SeveralHeaders) {
  auto c = ParseChallenges(std::vector<std::string>{R"(Basic realm="x")", R"(Bearer realm="https://t")"});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[1].scheme, "bearer");
}

TEST(RegistryAuthChallengeTest, CaseSpacesAndToken68) {
  auto c = ParseChallenges(std::string_view("BEARER  REALM = \"https://t\" ,  Service=svc, Negotiate abc+/def==, Basic"));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].Param("realm"), "https://t");
  EXPECT_EQ(c[0].Param("service"), "svc");
  EXPECT_EQ(c[1].scheme, "negotiate");
  EXPECT_EQ(c[1].token68, "abc+/def==");
  EXPECT_TRUE(c[1].params.empty());
  EXPECT_EQ(c[2].scheme, "basic");
  EXPECT_TRUE(c[2].params.empty());
}

TEST(RegistryAuthChallengeTest, FirstValueOfARepeatedParamWins) {
  auto c = ParseChallenges(std::string_view(R"(Bearer realm="https://first",realm="https://second")"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].Param("realm"), "https://first");
}

TEST(RegistryAuthChallengeTest, GarbageIsSkippedNotFatal) {
  EXPECT_TRUE(ParseChallenges(std::string_view("")).empty());
  EXPECT_TRUE(ParseChallenges(std::string_view(",,, ,")).empty());
  EXPECT_TRUE(ParseChallenges(std::string_view("=\"x\"")).empty());
  EXPECT_TRUE(ParseChallenges(std::string_view("realm=\"orphan\"")).empty());
  // An unterminated quote runs to the end; what came before survives.
  auto c = ParseChallenges(std::string_view(R"(Basic realm="a", Bearer realm="https://t,service=x)"));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].Param("realm"), "a");
  EXPECT_EQ(c[1].Param("realm"), "https://t,service=x");
  // A broken parameter is dropped, its neighbours kept.
  c = ParseChallenges(std::string_view(R"(Bearer realm="https://t", @@@, service="s", "stray")"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].Param("realm"), "https://t");
  EXPECT_EQ(c[0].Param("service"), "s");
  // Binary junk does not crash.
  std::string junk;
  for (int i = 0; i < 256; i++) junk.push_back(static_cast<char>(i));
  ParseChallenges(std::string_view(junk));
}

}  // namespace
}  // namespace ocitree::registry
