#include "bridge/partial_download.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <vector>

#include "oci/oci_test_util.h"

namespace ocitree {
namespace {

using oci::testing::TempDir;
using oci::testing::ToBytes;

// A remote source holding one blob. Each range request is recorded; the
// first `breaks` transfers break off (kIo) after `break_after` bytes.
class FakeRemote : public oci::ImageSource {
 public:
  explicit FakeRemote(std::string blob) : blob_(std::move(blob)) {
    desc.media_type = "application/octet-stream";
    desc.digest = oci::Digest::Of(AsBytes(blob_));
    desc.size = blob_.size();
  }
  Result<std::pair<oci::Descriptor, Bytes>> GetTopLevel() override { return Internal("not used"); }
  Result<std::unique_ptr<ByteReader>> OpenBlob(const oci::Descriptor&) override { return Internal("not used"); }
  Result<std::unique_ptr<ByteReader>> OpenBlobRange(const oci::Descriptor&, uint64_t offset) override {
    offsets.push_back(offset);
    std::string rest = blob_.substr(offset);
    if (breaks > 0) {
      breaks--;
      return std::unique_ptr<ByteReader>(new BreakingReader(rest, break_after));
    }
    return std::unique_ptr<ByteReader>(new BreakingReader(rest, rest.size() + 1));
  }
  bool IsRemote() const override { return true; }
  std::string Describe() const override { return "fake://remote"; }

  oci::Descriptor desc;
  std::vector<uint64_t> offsets;
  int breaks = 0;
  size_t break_after = 0;

 private:
  class BreakingReader : public ByteReader {
   public:
    BreakingReader(std::string data, size_t limit) : data_(std::move(data)), limit_(limit) {}
    Result<size_t> Read(std::span<uint8_t> buf) override {
      if (pos_ >= limit_) return Status::Error(ErrorCode::kIo, "connection reset");
      size_t n = std::min({buf.size(), data_.size() - pos_, limit_ - pos_, size_t{1000}});
      std::copy_n(data_.data() + pos_, n, buf.data());
      pos_ += n;
      return n;
    }

   private:
    std::string data_;
    size_t limit_;
    size_t pos_ = 0;
  };
  std::string blob_;
};

class PartialDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ObjectStore::Create(dir_.Sub("repo"), RepoMode::kBare);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    for (int i = 0; i < 10000; i++) blob_ += static_cast<char>('a' + (i * 7919) % 26);
  }
  std::string FilePath(const oci::Digest& d) const {
    return dir_.Sub("repo/tmp/ocitree-downloads/sha256-" + d.sha256().Hex());
  }
  Result<std::string> ReadAll(PartialDownloads& downloads, FakeRemote& remote) {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> r, downloads.OpenBlob(remote, remote.desc));
    std::string out;
    uint8_t buf[4096];
    for (;;) {
      OCITREE_ASSIGN_OR_RETURN(size_t n, r->Read(buf));
      if (n == 0) return out;
      out.append(reinterpret_cast<char*>(buf), n);
    }
  }
  off_t FileSize(const oci::Digest& d) const {
    struct stat st;
    return stat(FilePath(d).c_str(), &st) == 0 ? st.st_size : -1;
  }

  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  std::string blob_;
};

TEST_F(PartialDownloadTest, KeepsWhatArrivesAndForgetsItOnceStored) {
  auto downloads = PartialDownloads::Open(*store_);
  ASSERT_TRUE(downloads.ok());
  FakeRemote remote(blob_);
  auto got = ReadAll(**downloads, remote);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, blob_);
  EXPECT_EQ(remote.offsets, std::vector<uint64_t>{0});
  EXPECT_EQ(FileSize(remote.desc.digest), static_cast<off_t>(blob_.size()));
  EXPECT_EQ((*downloads)->bytes_downloaded(), blob_.size());
  (*downloads)->Forget(remote.desc.digest);
  EXPECT_EQ(FileSize(remote.desc.digest), -1);
}

TEST_F(PartialDownloadTest, ResumesFromWhatAnEarlierPullKept) {
  auto downloads = PartialDownloads::Open(*store_);
  ASSERT_TRUE(downloads.ok());
  FakeRemote remote(blob_);
  oci::testing::WriteFile(FilePath(remote.desc.digest), blob_.substr(0, 6000));
  auto got = ReadAll(**downloads, remote);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, blob_);
  EXPECT_EQ(remote.offsets, std::vector<uint64_t>{6000});
  EXPECT_EQ((*downloads)->bytes_resumed(), 6000u);
  EXPECT_EQ((*downloads)->bytes_downloaded(), 4000u);
}

TEST_F(PartialDownloadTest, BridgesBrokenTransfersThatMakeProgress) {
  auto downloads = PartialDownloads::Open(*store_);
  ASSERT_TRUE(downloads.ok());
  FakeRemote remote(blob_);
  remote.breaks = 2;
  remote.break_after = 3000;
  auto got = ReadAll(**downloads, remote);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, blob_);
  EXPECT_EQ(remote.offsets, (std::vector<uint64_t>{0, 3000, 6000}));
}

TEST_F(PartialDownloadTest, GivesUpOnATransferThatMakesNoProgress) {
  auto downloads = PartialDownloads::Open(*store_);
  ASSERT_TRUE(downloads.ok());
  FakeRemote remote(blob_);
  remote.breaks = 100;
  remote.break_after = 0;
  auto got = ReadAll(**downloads, remote);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kIo);
  EXPECT_EQ(remote.offsets.size(), 1u);
}

TEST_F(PartialDownloadTest, WrongKeptBytesAreDiscardedAndNamed) {
  auto downloads = PartialDownloads::Open(*store_);
  ASSERT_TRUE(downloads.ok());
  FakeRemote remote(blob_);
  oci::testing::WriteFile(FilePath(remote.desc.digest), std::string(5000, 'X'));
  auto got = ReadAll(**downloads, remote);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(got.status().message().find("digest mismatch"), std::string::npos) << got.status().message();
  EXPECT_NE(got.status().message().find("interrupted earlier pull"), std::string::npos) << got.status().message();
  EXPECT_EQ(FileSize(remote.desc.digest), 0);
  // The next pull starts over and succeeds.
  auto again = ReadAll(**downloads, remote);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, blob_);
}

TEST_F(PartialDownloadTest, AFileAnotherPullFillsIsLeftAlone) {
  auto downloads = PartialDownloads::Open(*store_);
  ASSERT_TRUE(downloads.ok());
  FakeRemote remote(blob_);
  oci::testing::WriteFile(FilePath(remote.desc.digest), blob_.substr(0, 100));
  UniqueFd other(open(FilePath(remote.desc.digest).c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(flock(other.get(), LOCK_EX | LOCK_NB), 0);
  auto got = ReadAll(**downloads, remote);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, blob_);
  EXPECT_EQ(remote.offsets, std::vector<uint64_t>{0});
  EXPECT_EQ(FileSize(remote.desc.digest), 100);
  (*downloads)->Forget(remote.desc.digest);
  EXPECT_EQ(FileSize(remote.desc.digest), 100);
}

TEST_F(PartialDownloadTest, ExpiredFilesGoWhenDownloadsOpen) {
  ASSERT_TRUE(PartialDownloads::Open(*store_).ok());
  const std::string old_file = dir_.Sub("repo/tmp/ocitree-downloads/sha256-old");
  const std::string new_file = dir_.Sub("repo/tmp/ocitree-downloads/sha256-new");
  oci::testing::WriteFile(old_file, "stale");
  oci::testing::WriteFile(new_file, "fresh");
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = time(nullptr) - 25 * 3600;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ASSERT_EQ(utimensat(AT_FDCWD, old_file.c_str(), times, 0), 0);
  ASSERT_TRUE(PartialDownloads::Open(*store_).ok());
  EXPECT_NE(access(old_file.c_str(), F_OK), 0);
  EXPECT_EQ(access(new_file.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace ocitree
