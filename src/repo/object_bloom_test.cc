#include "repo/object_bloom.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ocitree {
namespace {

// Keys as the filter meets them: SHA-256 digests.
Checksum Key(uint64_t i) { return Sha256::Of("object " + std::to_string(i)); }

// Inserts keys [0, n) with tag 1 and measures the false-positive rate on
// `queries` keys never inserted.
double MeasureFalsePositives(ObjectBloom& bloom, uint64_t n, uint64_t queries) {
  for (uint64_t i = 0; i < n; i++) bloom.Insert(Key(i), 1);
  for (uint64_t i = 0; i < n; i++) EXPECT_TRUE(bloom.MayContain(Key(i), 1)) << "false negative for key " << i;
  uint64_t hits = 0;
  for (uint64_t i = n; i < n + queries; i++) hits += bloom.MayContain(Key(i), 1);
  return static_cast<double>(hits) / static_cast<double>(queries);
}

TEST(ObjectBloom, EmptyContainsNothing) {
  ObjectBloom bloom;
  EXPECT_EQ(bloom.bytes(), 2u << 20);
  for (uint64_t i = 0; i < 1000; i++) EXPECT_FALSE(bloom.MayContain(Key(i), 1));
}

TEST(ObjectBloom, TagsAreDifferentKeys) {
  // A commit and its detached metadata share a checksum.
  ObjectBloom bloom;
  int both = 0;
  for (uint64_t i = 0; i < 1000; i++) {
    bloom.Insert(Key(i), 4);
    EXPECT_TRUE(bloom.MayContain(Key(i), 4));
    both += bloom.MayContain(Key(i), 6);
  }
  EXPECT_EQ(both, 0);
}

// A filter loaded to the design's false-positive rate of a few percent, so
// that the measured rate has a small relative error: 8192 keys in 2^16 bits
// gives (1 - e^-0.5)^4 = 2.4%; 100k queries expect ~2400 +- 49.
TEST(ObjectBloom, FalsePositiveRateNearDesignSmallFilter) {
  ObjectBloom bloom(16);
  const double want = bloom.ExpectedFalsePositiveRate(8192);
  EXPECT_NEAR(want, 0.0240, 0.0005);
  const double got = MeasureFalsePositives(bloom, 8192, 100000);
  EXPECT_GT(got, want * 0.85);
  EXPECT_LT(got, want * 1.15);
}

// The real size at the 1M-object pull: 2.0e-3; 400k queries expect ~810 +- 28.
TEST(ObjectBloom, FalsePositiveRateNearDesignAtOneMillionObjects) {
  ObjectBloom bloom;
  const double want = bloom.ExpectedFalsePositiveRate(1000000);
  EXPECT_NEAR(want, 2.0e-3, 0.1e-3);
  const double got = MeasureFalsePositives(bloom, 1000000, 400000);
  EXPECT_GT(got, want * 0.8);
  EXPECT_LT(got, want * 1.2);
}

TEST(ObjectBloom, ConcurrentInsertsAreAllSeen) {
  ObjectBloom bloom(20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&, t] {
      for (uint64_t i = t; i < 40000; i += 4) bloom.Insert(Key(i), 2);
    });
  for (auto& th : threads) th.join();
  for (uint64_t i = 0; i < 40000; i++) ASSERT_TRUE(bloom.MayContain(Key(i), 2)) << i;
}

}  // namespace
}  // namespace ocitree
