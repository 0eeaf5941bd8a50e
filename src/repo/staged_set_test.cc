#include "repo/staged_set.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ocitree/status.h"

namespace ocitree {
namespace {

std::vector<std::string> All(const StagedSet& set) {
  std::vector<std::string> names;
  Status s = set.ForEach([&](const std::string& name) -> Status {
    names.push_back(name);
    return {};
  });
  EXPECT_TRUE(s.ok());
  std::sort(names.begin(), names.end());
  return names;
}

const std::string kHex = "0123456789abcdef00112233445566778899aabbccddeeff0f1e2d3c4b5a6978";

TEST(StagedSetTest, PackedNamesRoundTrip) {
  StagedSet set;
  std::vector<std::string> want;
  for (const char* ext : {".file", ".filez", ".dirtree", ".dirmeta", ".commit", ".commitmeta"}) {
    std::string name = kHex + ext;
    EXPECT_TRUE(set.insert(name).second) << name;
    EXPECT_FALSE(set.insert(name).second) << name;
    EXPECT_EQ(set.count(name), 1u);
    want.push_back(name);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(All(set), want);
  EXPECT_EQ(set.size(), 6u);
  // Same checksum, different extension: different objects.
  EXPECT_EQ(set.erase(kHex + ".dirtree"), 1u);
  EXPECT_EQ(set.count(kHex + ".dirtree"), 0u);
  EXPECT_EQ(set.count(kHex + ".dirmeta"), 1u);
  EXPECT_EQ(set.erase(kHex + ".dirtree"), 0u);
}

TEST(StagedSetTest, OtherNamesKeptAsTheyAre) {
  StagedSet set;
  const std::string upper = "0123456789ABCDEF00112233445566778899aabbccddeeff0f1e2d3c4b5a6978.file";
  const std::string odd_ext = kHex + ".sig";
  const std::string short_name = "ab.file";
  for (const std::string& n : {upper, odd_ext, short_name}) EXPECT_TRUE(set.insert(n).second) << n;
  EXPECT_EQ(set.count(kHex + ".file"), 0u);  // the upper-case name is not this one
  std::vector<std::string> want = {upper, odd_ext, short_name};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(All(set), want);
}

TEST(StagedSetTest, ForEachStopsAtFirstError) {
  StagedSet set;
  set.insert(kHex + ".file");
  set.insert(kHex + ".filez");
  int calls = 0;
  Status s = set.ForEach([&](const std::string&) -> Status {
    calls++;
    return Internal("stop");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace ocitree
