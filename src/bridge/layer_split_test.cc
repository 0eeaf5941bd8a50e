// The --max-layers rule: a path's bucket depends on the path alone.
#include "bridge/layer_split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ocitree {
namespace {

TEST(LayerSplitTest, BucketIsSha256OfThePathModN) {
  // Values computed with python's hashlib: int.from_bytes(sha256(p)[:8]) % n.
  EXPECT_EQ(LayerBucketOfPath("usr/bin/ls", 8), 5u);
  EXPECT_EQ(LayerBucketOfPath("etc/hostname", 8), 4u);
  EXPECT_EQ(LayerBucketOfPath("etc/hostname", 100), 16u);
  EXPECT_EQ(LayerBucketOfPath("a", 8), 2u);
  EXPECT_EQ(LayerBucketOfPath("a", 100), 50u);
}

TEST(LayerSplitTest, RootAndSingleLayer) {
  EXPECT_EQ(LayerBucketOfPath("", 8), 0u);
  EXPECT_EQ(LayerBucketOfPath("usr/bin/ls", 1), 0u);
  EXPECT_EQ(LayerBucketOfPath("usr/bin/ls", 0), 0u);
}

TEST(LayerSplitTest, SpreadsEvenly) {
  std::vector<int> counts(8, 0);
  for (int i = 0; i < 16000; i++) counts[LayerBucketOfPath("usr/lib/file-" + std::to_string(i), 8)]++;
  for (int c : counts) {
    EXPECT_GT(c, 1700);
    EXPECT_LT(c, 2300);
  }
}

}  // namespace
}  // namespace ocitree
