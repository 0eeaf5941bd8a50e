// The registry's error bodies become messages: codes and messages from the
// distribution-spec JSON, plain text kept short and printable, HTML skipped.
#include "registry/registry_errors.h"

#include <gtest/gtest.h>

namespace ocitree::registry {
namespace {

TEST(RegistryErrorsTest, ParsesSpecErrors) {
  auto e = ParseRegistryErrors(
      R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v9"}},)"
      R"({"code":"UNAUTHORIZED","message":"authentication required","detail":"x"}]})");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].code, "MANIFEST_UNKNOWN");
  EXPECT_EQ(e[0].message, "manifest unknown");
  EXPECT_EQ(e[0].detail, R"({"Tag":"v9"})");
  EXPECT_EQ(e[1].code, "UNAUTHORIZED");
  EXPECT_EQ(e[1].detail, "x");
}

TEST(RegistryErrorsTest, NotSpecErrors) {
  EXPECT_TRUE(ParseRegistryErrors("").empty());
  EXPECT_TRUE(ParseRegistryErrors("not json").empty());
  EXPECT_TRUE(ParseRegistryErrors(R"({"errors":"nope"})").empty());
  EXPECT_TRUE(ParseRegistryErrors(R"({"errors":[1,"x",{}]})").empty());
  EXPECT_TRUE(ParseRegistryErrors(R"([{"code":"X"}])").empty());
}

TEST(RegistryErrorsTest, DescribesStatusAndErrors) {
  EXPECT_EQ(DescribeHttpFailure(404, R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})"),
            "HTTP 404 (not found): NAME_UNKNOWN: repository name not known to registry");
  EXPECT_EQ(DescribeHttpFailure(503, ""), "HTTP 503 (service unavailable)");
  EXPECT_EQ(DescribeHttpFailure(500, "  backend\ndown\x01  "), "HTTP 500 (internal server error): backend down");
  EXPECT_EQ(DescribeHttpFailure(502, "<html><body>Bad Gateway</body></html>"), "HTTP 502 (bad gateway)");
  std::string two = DescribeHttpFailure(
      401, R"({"errors":[{"code":"UNAUTHORIZED","message":"a"},{"code":"DENIED","message":"b"}]})");
  EXPECT_EQ(two, "HTTP 401 (authentication required): UNAUTHORIZED: a; DENIED: b");
  std::string long_body(1000, 'x');
  EXPECT_LT(DescribeHttpFailure(500, long_body).size(), 260u);
}

TEST(RegistryErrorsTest, StatusCodes) {
  Status nf = HttpStatusError(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})",
                              "manifest reg/x:v1");
  EXPECT_EQ(nf.code(), ErrorCode::kNotFound);
  EXPECT_EQ(nf.message(), "manifest reg/x:v1: HTTP 404 (not found): MANIFEST_UNKNOWN: manifest unknown");
  EXPECT_EQ(HttpStatusError(403, "", "x").code(), ErrorCode::kIo);
  EXPECT_EQ(HttpStatusError(500, "", "x").code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace ocitree::registry
