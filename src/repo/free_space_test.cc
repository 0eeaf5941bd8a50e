// The free-space reserve: libostree's reading of [core] min-free-space-size
// and min-free-space-percent, its block arithmetic, and a transaction that
// refuses a content object which would eat into the reserve. statvfs is
// faked, so no test needs a full disk (tests/integration/test_limits.sh
// fills a real tmpfs and asks the real ostree too).
#include "repo/free_space.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "repo/object_store.h"
#include "repo/transaction.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;

Result<FreeSpaceConfig> Parse(std::map<std::string, std::string> core) { return ParseFreeSpaceConfig(core); }

void ExpectInvalid(std::map<std::string, std::string> core, const std::string& message) {
  auto c = Parse(std::move(core));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(message), std::string::npos) << c.status().message();
}

TEST(FreeSpaceLimitTest, ConfigDefaultIsThreePercent) {
  auto c = Parse({{"repo_version", "1"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->min_free_space_percent, 3u);
  EXPECT_EQ(c->min_free_space_mb, 0u);
  EXPECT_TRUE(c->percent_is_default);
  EXPECT_EQ(c->Describe(), "min-free-space-percent '3%'");
}

TEST(FreeSpaceLimitTest, ConfigSizeUnits) {
  EXPECT_EQ(Parse({{"min-free-space-size", "500MB"}})->min_free_space_mb, 500u);
  EXPECT_EQ(Parse({{"min-free-space-size", "2GB"}})->min_free_space_mb, 2048u);
  EXPECT_EQ(Parse({{"min-free-space-size", "1TB"}})->min_free_space_mb, uint64_t{1} << 20);
  auto c = Parse({{"min-free-space-size", "500MB"}});
  EXPECT_EQ(c->min_free_space_percent, 0u);  // no default percent beside a size
  EXPECT_EQ(c->Describe(), "min-free-space-size 500MB");
  ExpectInvalid({{"min-free-space-size", "5XB"}},
                "Invalid min-free-space-size '5XB': It should be of the format '123MB', '123GB' or '123TB'");
  for (const char* bad : {"500mb", "MB", "500 MB", "500M", "-1MB", "1.5GB", ""})
    ExpectInvalid({{"min-free-space-size", bad}}, "It should be of the format");
  ExpectInvalid({{"min-free-space-size", "18014398509481984GB"}}, "Value was too high");  // 2^54 GiB
  EXPECT_TRUE(Parse({{"min-free-space-size", "18014398509481983GB"}}).ok());
}

TEST(FreeSpaceLimitTest, ConfigPercent) {
  EXPECT_EQ(Parse({{"min-free-space-percent", "10"}})->min_free_space_percent, 10u);
  EXPECT_FALSE(Parse({{"min-free-space-percent", "10"}})->percent_is_default);
  EXPECT_FALSE(Parse({{"min-free-space-percent", "0"}})->enabled());
  EXPECT_FALSE(Parse({{"min-free-space-percent", ""}})->enabled());  // libostree reads "" as 0
  EXPECT_EQ(Parse({{"min-free-space-percent", "99"}})->min_free_space_percent, 99u);
  ExpectInvalid({{"min-free-space-percent", "100"}}, "Invalid min-free-space-percent '100'");
  ExpectInvalid({{"min-free-space-percent", "99999999999999999999999"}}, "Invalid min-free-space-percent");
  ExpectInvalid({{"min-free-space-percent", "5%"}}, "Invalid min-free-space-percent '5%': must be a number");
}

TEST(FreeSpaceLimitTest, ConfigSizeWinsOverPercentUnlessZero) {
  auto both = Parse({{"min-free-space-size", "1MB"}, {"min-free-space-percent", "5"}});
  EXPECT_EQ(both->min_free_space_mb, 1u);
  EXPECT_EQ(both->min_free_space_percent, 0u);
  auto zero_size = Parse({{"min-free-space-size", "0MB"}, {"min-free-space-percent", "5"}});
  EXPECT_EQ(zero_size->min_free_space_percent, 5u);
  EXPECT_FALSE(Parse({{"min-free-space-size", "0MB"}})->enabled());
}

// A file system of `total` bytes in 4 KiB blocks with `free` bytes free,
// counting how often it was asked.
struct FakeFs {
  uint64_t total = uint64_t{1} << 30;
  uint64_t free = uint64_t{100} << 20;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  StatFsFunction Function() {
    return [this](int) -> Result<FsUsage> {
      ++*calls;
      return FsUsage{4096, total, free / 4096};
    };
  }
};

FreeSpaceConfig SizeConfig(uint64_t mb) { return *Parse({{"min-free-space-size", std::to_string(mb) + "MB"}}); }

TEST(FreeSpaceLimitTest, ChargesBlocksLikeLibostree) {
  FakeFs fs;
  fs.free = (uint64_t{8} << 20) + 512 * 4096;  // 512 blocks above an 8 MiB reserve
  FreeSpaceReserve r(SizeConfig(8), -1, fs.Function());
  ASSERT_TRUE(r.Start().ok());
  EXPECT_EQ(r.reserved_bytes(), uint64_t{8} << 20);
  auto a = r.Charge(511 * 4096 - 1);  // 510 + 1 blocks
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->blocks, 511u);
  auto b = r.Charge(0);  // even an empty file costs a block
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->blocks, 1u);
  auto c = r.Charge(0);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kIo);
  for (const char* part : {"no space left above the free-space reserve",
                           "min-free-space-size 8MB would be exceeded, at least 4.1 kB requested",
                           "0 bytes free above a reserve of 8.4 MB", "repo config [core] min-free-space-size"})
    EXPECT_NE(c.status().message().find(part), std::string::npos) << c.status().message();
  r.Credit(*b);  // the object existed: its block is free again
  EXPECT_TRUE(r.Charge(0).ok());
  EXPECT_EQ(*fs.calls, 1);  // measured once, not per object
}

TEST(FreeSpaceLimitTest, PercentOfTheFileSystemSize) {
  FakeFs fs;
  fs.total = uint64_t{100} << 20;
  fs.free = uint64_t{4} << 20;  // 1024 blocks, 768 of them reserved (3% of 100 MiB)
  FreeSpaceReserve r(*Parse({}), -1, fs.Function());
  ASSERT_TRUE(r.Start().ok());
  EXPECT_EQ(r.reserved_bytes(), 3145728u);
  EXPECT_TRUE(r.Charge(255 * 4096 - 1).ok());  // 255 blocks
  EXPECT_TRUE(r.Charge(0).ok());               // the 256th
  auto full = r.Charge(0);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.status().message().find("min-free-space-percent '3%' would be exceeded"), std::string::npos)
      << full.status().message();
  EXPECT_NE(full.status().message().find("the default"), std::string::npos) << full.status().message();
}

TEST(FreeSpaceLimitTest, ReserveLargerThanFreeSpaceRefusesEveryContentObject) {
  FakeFs fs;
  fs.free = uint64_t{1} << 20;
  FreeSpaceReserve r(SizeConfig(2), -1, fs.Function());
  ASSERT_TRUE(r.Start().ok());  // beginning a transaction is fine (metadata may be written)
  EXPECT_FALSE(r.Charge(0).ok());
}

TEST(FreeSpaceLimitTest, DisabledReserveNeverMeasures) {
  FakeFs fs;
  fs.free = 0;
  FreeSpaceReserve r(*Parse({{"min-free-space-percent", "0"}}), -1, fs.Function());
  ASSERT_TRUE(r.Start().ok());
  EXPECT_TRUE(r.Charge(uint64_t{1} << 40).ok());
  EXPECT_EQ(*fs.calls, 0);
}

// Writers beside this transaction use space too: after kRefreshBytes the
// file system is measured again, and what it says then counts.
TEST(FreeSpaceLimitTest, MeasuresAgainAfterEveryRefreshInterval) {
  FakeFs fs;
  fs.free = uint64_t{10} << 30;
  FreeSpaceReserve r(SizeConfig(1), -1, fs.Function());
  ASSERT_TRUE(r.Start().ok());
  const uint64_t chunk = uint64_t{8} << 20;
  std::optional<FreeSpaceReserve::Ticket> early;
  for (int i = 0; i < 7; ++i) {
    auto t = r.Charge(chunk);
    ASSERT_TRUE(t.ok());
    if (!early) early = *t;
  }
  EXPECT_EQ(*fs.calls, 1);
  ASSERT_TRUE(r.Charge(chunk).ok());  // 64 MiB charged now
  fs.free = (uint64_t{1} << 20) + 4096;  // someone else filled the disk
  auto refused = r.Charge(4096);
  EXPECT_EQ(*fs.calls, 2);
  ASSERT_FALSE(refused.ok());
  // A ticket from before the new measurement gives nothing back.
  r.Credit(*early);
  EXPECT_FALSE(r.Charge(4096).ok());
  EXPECT_TRUE(r.Charge(0).ok());  // the one block there is
}

TEST(FreeSpaceLimitTest, FormatSizeIsSiLikeGlib) {
  EXPECT_EQ(FormatSize(0), "0 bytes");
  EXPECT_EQ(FormatSize(1), "1 byte");
  EXPECT_EQ(FormatSize(999), "999 bytes");
  EXPECT_EQ(FormatSize(1000), "1.0 kB");
  EXPECT_EQ(FormatSize(4096), "4.1 kB");
  EXPECT_EQ(FormatSize(4200000), "4.2 MB");
  EXPECT_EQ(FormatSize(uint64_t{3} << 30), "3.2 GB");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ocitree-free-space-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Creates an archive repo whose [core] section also holds `extra`.
std::string MakeRepo(const TempDir& tmp, const std::string& extra) {
  const std::string path = tmp.path() + "/repo";
  EXPECT_TRUE(ObjectStore::Create(path, RepoMode::kArchive).ok());
  std::stringstream text;
  text << std::ifstream(path + "/config").rdbuf();
  std::string config = text.str();
  config.insert(config.find("[core]\n") + 7, extra + "\n");
  std::ofstream(path + "/config") << config;
  return path;
}

TEST(TransactionFreeSpaceTest, InvalidReserveConfigRefusesToOpenLikeOstree) {
  TempDir tmp;
  auto store = ObjectStore::Open(MakeRepo(tmp, "min-free-space-size=5XB"));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("Invalid min-free-space-size '5XB'"), std::string::npos)
      << store.status().message();
}

TEST(TransactionFreeSpaceTest, ContentBeyondTheReserveFailsAndLeavesNothing) {
  TempDir tmp;
  const std::string path = MakeRepo(tmp, "min-free-space-size=1MB");
  auto store = ObjectStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ((*store)->free_space().min_free_space_mb, 1u);
  FakeFs fake;
  fake.free = (uint64_t{1} << 20) + 75 * 4096;  // 75 blocks above the reserve
  (*store)->SetStatFsFunctionForTesting(fake.Function());
  {
    auto txn = Transaction::Begin(**store);
    ASSERT_TRUE(txn.ok());
    FileMeta meta;
    const std::string a(100 << 10, 'a'), b(200 << 10, 'b');
    MemoryReader ra(AsBytes(a));
    auto wa = (*txn)->WriteContent(meta, ra, a.size());  // 26 blocks
    ASSERT_TRUE(wa.ok()) << wa.status().message();
    MemoryReader ra2(AsBytes(a));
    auto dup = (*txn)->WriteContent(meta, ra2, a.size());  // charged, then credited back
    ASSERT_TRUE(dup.ok());
    EXPECT_TRUE(dup->existed);
    MemoryReader rb(AsBytes(b));
    auto wb = (*txn)->WriteContent(meta, rb, b.size());  // 51 blocks > 49 left
    ASSERT_FALSE(wb.ok());
    EXPECT_NE(wb.status().message().find("min-free-space-size 1MB would be exceeded, at least 208.9 kB requested"),
              std::string::npos)
        << wb.status().message();
    // Metadata is exempt, as in libostree.
    EXPECT_TRUE((*txn)->WriteMetadata(ObjectType::kDirMeta, SerializeDirMeta(DirMeta{0, 0, 040755, {}})).ok());
    // Abandoned: not committed.
  }
  auto objects = (*store)->ListObjects();
  ASSERT_TRUE(objects.ok());
  EXPECT_TRUE(objects->empty());
  EXPECT_TRUE(fs::is_empty(path + "/tmp"));
}

// A metadata object libostree could not read back is never written.
TEST(TransactionLimitsTest, MetadataObjectOverTheLimitIsRefused) {
  TempDir tmp;
  auto store = ObjectStore::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(store.ok());
  auto txn = Transaction::Begin(**store);
  ASSERT_TRUE(txn.ok());
  Bytes huge(kMaxMetadataSize + 1);
  auto w = (*txn)->WriteMetadata(ObjectType::kDirTree, huge);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(w.status().message().find("dirtree object of 134217729 bytes exceeds the metadata object limit of "
                                      "134217728 bytes"),
            std::string::npos)
      << w.status().message();
}

}  // namespace
}  // namespace ocitree
