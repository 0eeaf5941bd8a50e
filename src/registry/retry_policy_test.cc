// Which answers are retried, Retry-After in both spellings, and the bounds
// on tries and on the total wait.
#include "registry/retry_policy.h"

#include <gtest/gtest.h>

namespace ocitree::registry {
namespace {

constexpr std::time_t kNow = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

TEST(RegistryRetryPolicyTest, RetryableStatuses) {
  for (long s : {429L, 500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(IsRetryableStatus(s)) << s;
  for (long s : {200L, 206L, 301L, 400L, 401L, 403L, 404L, 416L, 501L, 505L}) EXPECT_FALSE(IsRetryableStatus(s)) << s;
}

TEST(RegistryRetryPolicyTest, RetryAfterSeconds) {
  EXPECT_EQ(ParseRetryAfter("0", kNow), Millis(0));
  EXPECT_EQ(ParseRetryAfter("3", kNow), Millis(3000));
  EXPECT_EQ(ParseRetryAfter("  120 ", kNow), Millis(120000));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", kNow), Millis(int64_t{999999999} * 1000));
}

TEST(RegistryRetryPolicyTest, RetryAfterDates) {
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", kNow), Millis(10000));
  EXPECT_EQ(ParseRetryAfter("Tuesday, 14-Nov-23 22:13:25 GMT", kNow), Millis(5000));
  EXPECT_EQ(ParseRetryAfter("Tue Nov 14 22:13:22 2023", kNow), Millis(2000));
  // In the past: no wait.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", kNow), Millis(0));
}

TEST(RegistryRetryPolicyTest, RetryAfterGarbage) {
  EXPECT_FALSE(ParseRetryAfter("", kNow));
  EXPECT_FALSE(ParseRetryAfter("-5", kNow));
  EXPECT_FALSE(ParseRetryAfter("1.5", kNow));
  EXPECT_FALSE(ParseRetryAfter("soon", kNow));
  EXPECT_FALSE(ParseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT trailing", kNow));
}

TEST(RegistryRetryPolicyTest, BackoffDoublesAndStopsAtMaxTries) {
  RegistryOptions o;
  o.max_tries = 4;
  o.retry_delay_ms = 100;
  o.max_retry_wait_ms = 100000;
  RetryBudget b(o);
  Millis wait{0};
  std::string why;
  ASSERT_TRUE(b.Next(1, std::nullopt, &wait, &why));
  EXPECT_EQ(wait, Millis(100));
  ASSERT_TRUE(b.Next(2, std::nullopt, &wait, &why));
  EXPECT_EQ(wait, Millis(200));
  ASSERT_TRUE(b.Next(3, std::nullopt, &wait, &why));
  EXPECT_EQ(wait, Millis(400));
  EXPECT_FALSE(b.Next(4, std::nullopt, &wait, &why));
  EXPECT_NE(why.find("4 tries"), std::string::npos) << why;
}

TEST(RegistryRetryPolicyTest, RetryAfterReplacesBackoffWithinTheBudget) {
  RegistryOptions o;
  o.max_tries = 10;
  o.retry_delay_ms = 100;
  o.max_retry_wait_ms = 5000;
  RetryBudget b(o);
  Millis wait{0};
  std::string why;
  ASSERT_TRUE(b.Next(1, Millis(3000), &wait, &why));
  EXPECT_EQ(wait, Millis(3000));
  // 3 s waited; 3 s more would pass 5 s.
  EXPECT_FALSE(b.Next(2, Millis(3000), &wait, &why));
  EXPECT_NE(why.find("retry budget"), std::string::npos) << why;
}

}  // namespace
}  // namespace ocitree::registry
