#include "repo/staging_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/fs_util.h"
#include "oci/oci_test_util.h"

namespace ocitree {
namespace {

using oci::testing::TempDir;

class StagingDirTest : public ::testing::Test {
 protected:
  void SetUp() override { tmp_.Reset(open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }
  std::vector<std::string> Names() {
    auto names = ListDirectory(tmp_.get());
    EXPECT_TRUE(names.ok());
    std::vector<std::string> v = names.ok() ? *names : std::vector<std::string>{};
    std::sort(v.begin(), v.end());
    return v;
  }
  void MakeDir(const std::string& name) { ASSERT_EQ(mkdirat(tmp_.get(), name.c_str(), 0755), 0) << name; }
  // Holds `<name>-lock` the way libostree does (an exclusive OFD lock).
  UniqueFd HoldLock(const std::string& name) {
    UniqueFd fd(openat(tmp_.get(), (name + "-lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    EXPECT_EQ(fcntl(fd.get(), F_OFD_SETLK, &fl), 0);
    return fd;
  }

  TempDir dir_;
  UniqueFd tmp_;
};

TEST_F(StagingDirTest, NamedForTheCurrentBootAndLockedBesideIt) {
  std::string name;
  {
    auto dir = StagingDir::Create(tmp_.get());
    ASSERT_TRUE(dir.ok()) << dir.status().message();
    name = dir->name();
    EXPECT_EQ(name.rfind(StagingDir::BootPrefix() + "ocitree-", 0), 0u) << name;
    EXPECT_GT(StagingDir::BootPrefix().size(), std::string("staging--").size());
    EXPECT_EQ(Names(), (std::vector<std::string>{name, name + "-lock"}));
    // Another writer (ostree's try-lock) cannot take it while it is held.
    UniqueFd other(openat(tmp_.get(), (name + "-lock").c_str(), O_RDWR | O_CLOEXEC));
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    EXPECT_NE(fcntl(other.get(), F_OFD_SETLK, &fl), 0);
  }
  EXPECT_TRUE(Names().empty());
}

TEST_F(StagingDirTest, RemoveStaleKeepsWhatIsHeldAndWhatOstreeMayReuse) {
  auto live = StagingDir::Create(tmp_.get());
  ASSERT_TRUE(live.ok());
  const std::string boot = StagingDir::BootPrefix();
  const std::string our_stale = boot + "ocitree-AAAAAA";
  const std::string ostree_current = boot + "BBBBBB";
  const std::string other_boot = "staging-00000000-0000-0000-0000-000000000000-CCCCCC";
  const std::string other_boot_held = "staging-00000000-0000-0000-0000-000000000000-DDDDDD";
  const std::string orphan_lock = boot + "ocitree-EEEEEE-lock";
  for (const auto& n : {our_stale, ostree_current, other_boot, other_boot_held}) MakeDir(n);
  UniqueFd held = HoldLock(other_boot_held);
  close(openat(tmp_.get(), orphan_lock.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  MakeDir("ocitree-downloads");

  StagingDir::RemoveStale(tmp_.get());
  std::vector<std::string> want = {live->name(), live->name() + "-lock", ostree_current, other_boot_held,
                                   other_boot_held + "-lock", "ocitree-downloads"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Names(), want);
}

TEST_F(StagingDirTest, ANewDirectoryTakenByACleanerIsNotUsed) {
  // A cleaner that locks and removes every unheld staging dir, run right
  // after each Create, never removes a live one.
  for (int i = 0; i < 20; i++) {
    auto dir = StagingDir::Create(tmp_.get());
    ASSERT_TRUE(dir.ok());
    StagingDir::RemoveStale(tmp_.get());
    struct stat st;
    EXPECT_EQ(fstatat(tmp_.get(), dir->name().c_str(), &st, 0), 0);
  }
  EXPECT_TRUE(Names().empty());
}

TEST_F(StagingDirTest, RemovesOldRefTemporariesAndKeepsFreshOnes) {
  const std::string old_name = std::string(kReplaceTmpPrefix) + "old.tmp";
  const std::string fresh_name = std::string(kReplaceTmpPrefix) + "fresh.tmp";
  for (const std::string& n : {old_name, fresh_name})
    UniqueFd(openat(tmp_.get(), n.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  struct timespec times[2] = {{time(nullptr) - 3600, 0}, {time(nullptr) - 3600, 0}};
  ASSERT_EQ(utimensat(tmp_.get(), old_name.c_str(), times, 0), 0);
  StagingDir::RemoveStale(tmp_.get());
  EXPECT_EQ(Names(), std::vector<std::string>{fresh_name});
}

}  // namespace
}  // namespace ocitree
