#include "base/direct_appender.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

namespace ocitree {
namespace {

class DirectAppenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ocitree-direct-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    ASSERT_GE(fd, 0);
    file_.Reset(fd);
    path_ = name.data();
  }
  void TearDown() override { unlink(path_.c_str()); }

  UniqueFd OpenDirect() const { return UniqueFd(open(path_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC)); }
  std::string Contents() const {
    std::string out;
    char buf[65536];
    for (off_t off = 0;;) {
      ssize_t n = pread(file_.get(), buf, sizeof buf, off);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
      off += n;
    }
  }
  static std::string Pattern(size_t n, int seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++) s[i] = static_cast<char>((i * 131 + seed * 17 + i / 4099) & 0xff);
    return s;
  }
  // Appends `data` in pieces of changing, odd sizes.
  static Status AppendInPieces(DirectAppender& appender, const std::string& data) {
    static const size_t kSizes[] = {1, 4095, 70001, 262144, 3, 300000, 8192};
    size_t pos = 0;
    for (size_t i = 0; pos < data.size(); i++) {
      size_t n = std::min(kSizes[i % std::size(kSizes)], data.size() - pos);
      OCITREE_RETURN_IF_ERROR(appender.Append(AsBytes(std::string_view(data).substr(pos, n))));
      pos += n;
    }
    return {};
  }

  UniqueFd file_;
  std::string path_;
};

TEST_F(DirectAppenderTest, WritesEverythingAppendedInOrder) {
  const std::string data = Pattern(3 * 1024 * 1024 + 123, 1);
  DirectAppender appender(file_.get(), OpenDirect(), 0, "test file");
  ASSERT_TRUE(AppendInPieces(appender, data).ok());
  Status finished = appender.Finish();
  ASSERT_TRUE(finished.ok()) << finished.message();
  EXPECT_TRUE(Contents() == data);
}

TEST_F(DirectAppenderTest, GoesOnFromAnOddOffset) {
  const std::string kept = Pattern(5000, 2);
  ASSERT_EQ(pwrite(file_.get(), kept.data(), kept.size(), 0), static_cast<ssize_t>(kept.size()));
  const std::string data = Pattern(1024 * 1024 + 7, 3);
  DirectAppender appender(file_.get(), OpenDirect(), kept.size(), "test file");
  ASSERT_TRUE(AppendInPieces(appender, data).ok());
  ASSERT_TRUE(appender.Finish().ok());
  EXPECT_TRUE(Contents() == kept + data);
}

TEST_F(DirectAppenderTest, WholeBlocksBypassThePageCache) {
  UniqueFd direct = OpenDirect();
  if (!direct.valid()) GTEST_SKIP() << "this filesystem refuses O_DIRECT (" << strerror(errno) << ")";
  const std::string data = Pattern(2 * DirectAppender::kBlockSize + 10, 4);
  DirectAppender appender(file_.get(), std::move(direct), 0, "test file");
  ASSERT_TRUE(appender.Append(AsBytes(data)).ok());
  ASSERT_TRUE(appender.Finish().ok());
  void* map = mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, file_.get(), 0);
  ASSERT_NE(map, MAP_FAILED);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((data.size() + page - 1) / page);
  ASSERT_EQ(mincore(map, data.size(), resident.data()), 0);
  munmap(map, data.size());
  // The two whole blocks went with O_DIRECT; only the 10-byte tail is cached.
  size_t cached = 0;
  for (size_t i = 0; i < 2 * DirectAppender::kBlockSize / page; i++) cached += resident[i] & 1;
  EXPECT_EQ(cached, 0u);
  EXPECT_TRUE(Contents() == data);
}

TEST_F(DirectAppenderTest, AFailedWriteCutsTheFileAtItsBlockAndIsReported) {
  // Writes past 600 KiB fail with EFBIG: the third block is cut short.
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 600 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  const std::string data = Pattern(2 * 1024 * 1024, 5);
  Status appended, finished;
  {
    DirectAppender appender(file_.get(), OpenDirect(), 0, "kept file");
    appended = AppendInPieces(appender, data);
    finished = appender.Finish();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(finished.ok());
  EXPECT_NE(finished.message().find("kept file"), std::string::npos) << finished.message();
  EXPECT_NE(finished.message().find("File too large"), std::string::npos) << finished.message();
  // Append saw it too, unless the failure came after the last block was queued.
  if (!appended.ok()) {
    EXPECT_EQ(appended.message(), finished.message());
  }
  EXPECT_TRUE(Contents() == data.substr(0, 2 * DirectAppender::kBlockSize));
}

TEST_F(DirectAppenderTest, AbandonLeavesWholeBlocksOfAPrefix) {
  const std::string data = Pattern(5 * DirectAppender::kBlockSize + 100, 6);
  {
    DirectAppender appender(file_.get(), OpenDirect(), 0, "test file");
    ASSERT_TRUE(appender.Append(AsBytes(data)).ok());
    appender.Abandon();
  }
  std::string got = Contents();
  EXPECT_EQ(got.size() % DirectAppender::kBlockSize, 0u);
  EXPECT_TRUE(got == data.substr(0, got.size()));
}

TEST_F(DirectAppenderTest, NothingAppendedWritesNothing) {
  DirectAppender appender(file_.get(), OpenDirect(), 0, "test file");
  ASSERT_TRUE(appender.Finish().ok());
  EXPECT_EQ(Contents(), "");
}

}  // namespace
}  // namespace ocitree
