// Blobs checked while they stream: right ones pass, wrong digests and sizes
// fail, and oversized blobs fail before they are read to their end.
#include "oci/verifying_reader.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ocitree::oci {
namespace {

// Hands out `data` at most `chunk` bytes at a time and counts what it gave.
class CountingReader : public ByteReader {
 public:
  CountingReader(std::string data, size_t chunk, uint64_t* given)
      : data_(std::move(data)), chunk_(chunk), given_(given) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min({buf.size(), chunk_, data_.size() - pos_});
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    *given_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
  uint64_t* given_;
};

class FailingReader : public ByteReader {
 public:
  Result<size_t> Read(std::span<uint8_t>) override { return Status::FromErrno("read x", EIO); }
};

std::unique_ptr<VerifyingReader> Make(const std::string& data, const Digest& digest, uint64_t size,
                                      uint64_t* given, size_t chunk = 7) {
  return std::make_unique<VerifyingReader>(std::make_unique<CountingReader>(data, chunk, given), digest,
                                           size, "blob");
}

// Reads to the end; returns the bytes or the error.
Result<std::string> Drain(ByteReader& r, size_t bufsize = 5) {
  std::string out;
  std::vector<uint8_t> buf(bufsize);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, r.Read(buf));
    if (n == 0) return out;
    out.append(buf.begin(), buf.begin() + n);
  }
}

TEST(OciVerifyingReaderTest, MatchingBlobPasses) {
  std::string data = "the quick brown fox jumps over the lazy dog";
  uint64_t given = 0;
  auto r = Make(data, Digest::Of(AsBytes(data)), data.size(), &given);
  Result<std::string> got = Drain(*r);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, data);
  // The end is sticky and stays quiet.
  uint8_t b;
  EXPECT_EQ(*r->Read({&b, 1}), 0u);
}

TEST(OciVerifyingReaderTest, EmptyBlob) {
  uint64_t given = 0;
  auto r = Make("", Digest::Of({}), 0, &given);
  Result<std::string> got = Drain(*r);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "");
}

TEST(OciVerifyingReaderTest, DigestMismatchFailsAtTheEnd) {
  std::string data = "tampered content";
  uint64_t given = 0;
  auto r = Make(data, Digest::Of(AsBytes("original content")), data.size(), &given);
  Result<std::string> got = Drain(*r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(got.status().message().find("digest mismatch"), std::string::npos);
  EXPECT_EQ(given, data.size());
  uint8_t b;
  EXPECT_FALSE(r->Read({&b, 1}).ok());  // sticky
}

TEST(OciVerifyingReaderTest, ShortBlobFails) {
  std::string data = "0123456789";
  uint64_t given = 0;
  auto r = Make(data, Digest::Of(AsBytes(data)), 11, &given);
  Result<std::string> got = Drain(*r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(got.status().message().find("10 bytes"), std::string::npos) << got.status().message();
}

TEST(OciVerifyingReaderTest, HugeDeclaredSizeIsJustShort) {
  uint64_t given = 0;
  auto r = Make("abc", Digest::Of(AsBytes("abc")), UINT64_MAX, &given);
  Result<std::string> got = Drain(*r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(given, 3u);
}

TEST(OciVerifyingReaderTest, LongBlobFailsWithoutReadingItAll) {
  std::string data(1 << 20, 'x');
  uint64_t given = 0;
  auto r = Make(data, Digest::Of(AsBytes(data.substr(0, 10))), 10, &given, 1 << 20);
  Result<std::string> got = Drain(*r, 1 << 16);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(got.status().message().find("larger"), std::string::npos);
  EXPECT_LE(given, 11u);
}

TEST(OciVerifyingReaderTest, SourceErrorsPassThrough) {
  VerifyingReader r(std::make_unique<FailingReader>(), Digest::Of({}), 0, "blob sha256:x");
  uint8_t b[4];
  Result<size_t> n = r.Read(b);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), ErrorCode::kIo);
  EXPECT_NE(n.status().message().find("blob sha256:x"), std::string::npos);
}

}  // namespace
}  // namespace ocitree::oci
