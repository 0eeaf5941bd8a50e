// Compressors: round trips through our own decompressors, determinism, and
// the system gzip and zstd accepting what we write.
#include "compress/compressor.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/fs_util.h"
#include "compress/decompress.h"

namespace ocitree {
namespace {

Bytes Random(size_t n, unsigned seed) {
  Bytes b(n);
  std::mt19937 rng(seed);
  for (auto& c : b) c = static_cast<uint8_t>(rng());
  return b;
}

// Compressible: short random words repeated with variations.
Bytes Repetitive(size_t n) {
  Bytes b;
  b.reserve(n);
  std::mt19937 rng(7);
  const std::string words[] = {"usr/lib/", "x86_64-linux-gnu/", "libfoo.so.1 ", "\0\0\0\0", "etc/"};
  while (b.size() < n) {
    const std::string& w = words[rng() % 5];
    b.insert(b.end(), w.begin(), w.end());
  }
  b.resize(n);
  return b;
}

// Compresses `input`, feeding it in Write calls of `step` bytes.
Bytes Compress(Compression c, ByteView input, size_t step = 100000,
               std::optional<int> level = std::nullopt) {
  Bytes out;
  BytesSink sink(&out);
  auto comp = NewCompressor(c, sink, level);
  EXPECT_TRUE(comp.ok()) << comp.status().message();
  if (!comp.ok()) return {};
  for (size_t i = 0; i < input.size(); i += step) {
    Status s = (*comp)->Write(input.subspan(i, std::min(step, input.size() - i)));
    EXPECT_TRUE(s.ok()) << s.message();
  }
  Status s = (*comp)->Finish();
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ((*comp)->bytes_in(), input.size());
  EXPECT_EQ((*comp)->bytes_out(), out.size());
  return out;
}

Result<Bytes> Decompress(Compression c, ByteView data) {
  if (c == Compression::kNone) return Bytes(data.begin(), data.end());
  MemoryReader in(data);
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> r, NewDecompressor(c, in));
  Bytes out;
  Bytes buf(65536);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, r->Read(buf));
    if (n == 0) return out;
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n));
  }
}

class CompressorTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressorTest, RoundTripsEmptyInput) {
  Bytes z = Compress(GetParam(), {});
  if (GetParam() != Compression::kNone) {
    EXPECT_FALSE(z.empty());  // a header and trailer, still a valid stream
    EXPECT_EQ(DetectCompression(z), GetParam());
  }
  auto back = Decompress(GetParam(), z);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->empty());
}

TEST_P(CompressorTest, RoundTripsSmallAndLargeInput) {
  for (size_t n : {size_t{1}, size_t{1000}, size_t{256 * 1024}, size_t{256 * 1024 + 1}}) {
    Bytes in = Random(n, static_cast<unsigned>(n));
    auto back = Decompress(GetParam(), Compress(GetParam(), in));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, in) << n;
  }
  Bytes random = Random(5 << 20, 1);
  auto back = Decompress(GetParam(), Compress(GetParam(), random, 1 << 20));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, random);

  Bytes repetitive = Repetitive(6 << 20);
  Bytes z = Compress(GetParam(), repetitive, 3 << 20);
  if (GetParam() != Compression::kNone) {
    EXPECT_LT(z.size(), repetitive.size() / 4);
  }
  back = Decompress(GetParam(), z);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, repetitive);
}

TEST_P(CompressorTest, OutputDependsOnlyOnTheInput) {
  Bytes in = Repetitive(3 << 20);
  Bytes whole = Compress(GetParam(), in, in.size());
  EXPECT_EQ(Compress(GetParam(), in, in.size()), whole);
  EXPECT_EQ(Compress(GetParam(), in, 4093), whole);    // odd, small writes
  EXPECT_EQ(Compress(GetParam(), in, 300000), whole);  // straddles chunks
  Bytes small = Random(5000, 3);
  EXPECT_EQ(Compress(GetParam(), small, 1), Compress(GetParam(), small, small.size()));
}

TEST_P(CompressorTest, WriteAfterFinishIsAnError) {
  Bytes out;
  BytesSink sink(&out);
  auto comp = NewCompressor(GetParam(), sink);
  ASSERT_TRUE(comp.ok());
  ASSERT_TRUE((*comp)->Finish().ok());
  EXPECT_EQ((*comp)->Write(AsBytes("x")).code(), ErrorCode::kInternal);
  EXPECT_EQ((*comp)->Finish().code(), ErrorCode::kInternal);
}

TEST_P(CompressorTest, SinkErrorsAreReturnedAndSticky) {
  class FailingSink : public ByteSink {
   public:
    Status Write(ByteView) override { return Status::FromErrno("write blob", ENOSPC); }
  } sink;
  auto comp = NewCompressor(GetParam(), sink);
  ASSERT_TRUE(comp.ok());
  Bytes in = Random(1 << 20, 5);
  Status s = (*comp)->Write(in);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.sys_errno(), ENOSPC);
  // Pass-through has nothing buffered that a later call could lose.
  if (GetParam() != Compression::kNone) {
    EXPECT_EQ((*comp)->Finish().sys_errno(), ENOSPC);
  }
}

INSTANTIATE_TEST_SUITE_P(AllKinds, CompressorTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(CompressorLevels, EveryValidLevelRoundTrips) {
  Bytes in = Repetitive(700000);
  for (int level = 0; level <= 3; ++level) {
    auto back = Decompress(Compression::kGzip, Compress(Compression::kGzip, in, 65536, level));
    ASSERT_TRUE(back.ok()) << level << ": " << back.status().message();
    EXPECT_EQ(*back, in) << level;
  }
  for (int level : {-5, 1, 3, 9, 19}) {
    auto back = Decompress(Compression::kZstd, Compress(Compression::kZstd, in, 65536, level));
    ASSERT_TRUE(back.ok()) << level << ": " << back.status().message();
    EXPECT_EQ(*back, in) << level;
  }
}

TEST(CompressorLevels, InvalidLevelsAreRefused) {
  Bytes out;
  BytesSink sink(&out);
  EXPECT_EQ(NewCompressor(Compression::kGzip, sink, 4).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kGzip, sink, -1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kZstd, sink, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kZstd, sink, 23).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewCompressor(Compression::kNone, sink, 1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(DefaultCompressionLevel(Compression::kGzip), 1);
  EXPECT_EQ(DefaultCompressionLevel(Compression::kZstd), 3);
}

TEST(GzipCompressor, HeaderIsFixed) {
  Bytes z = Compress(Compression::kGzip, AsBytes("hello"));
  ASSERT_GE(z.size(), 18u);
  const Bytes header(z.begin(), z.begin() + 10);
  EXPECT_EQ(header, (Bytes{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}));
  // Trailer: CRC32 of "hello" (0x3610a686) and ISIZE 5, little-endian.
  const Bytes trailer(z.end() - 8, z.end());
  EXPECT_EQ(trailer, (Bytes{0x86, 0xa6, 0x10, 0x36, 5, 0, 0, 0}));
}

// --- the system tools as oracles -------------------------------------------

class TempFile {
 public:
  TempFile() {
    char tmpl[] = "/tmp/ocitree-compress-XXXXXX";
    int fd = ::mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    if (fd >= 0) ::close(fd);
    path_ = tmpl;
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteTo(const std::string& path, ByteView data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(WriteAll(fd.get(), data, path).ok());
}

// Runs `tool -dc FILE` and returns what it printed; fails the test if the
// tool is missing or exits non-zero.
Bytes SystemDecompress(const std::string& tool, ByteView data) {
  TempFile file;
  WriteTo(file.path(), data);
  std::string cmd = tool + " -dc '" + file.path() + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr) << cmd;
  if (p == nullptr) return {};
  Bytes out;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.insert(out.end(), buf, buf + n);
  EXPECT_EQ(::pclose(p), 0) << cmd << " failed (is " << tool << " installed?)";
  return out;
}

TEST(CompressorOracle, SystemGzipAcceptsOutput) {
  EXPECT_TRUE(SystemDecompress("gzip", Compress(Compression::kGzip, {})).empty());
  Bytes in = Repetitive(3 << 20);
  Bytes random = Random(1 << 20, 9);
  in.insert(in.end(), random.begin(), random.end());
  for (int level = 0; level <= 3; ++level) {
    EXPECT_EQ(SystemDecompress("gzip", Compress(Compression::kGzip, in, 1 << 20, level)), in) << level;
  }
  // gzip -t also checks the CRC and length.
  TempFile file;
  WriteTo(file.path(), Compress(Compression::kGzip, in));
  EXPECT_EQ(std::system(("gzip -t '" + file.path() + "'").c_str()), 0);
}

TEST(CompressorOracle, SystemZstdAcceptsOutput) {
  EXPECT_TRUE(SystemDecompress("zstd -q", Compress(Compression::kZstd, {})).empty());
  Bytes in = Repetitive(3 << 20);
  Bytes random = Random(1 << 20, 9);
  in.insert(in.end(), random.begin(), random.end());
  EXPECT_EQ(SystemDecompress("zstd -q", Compress(Compression::kZstd, in, 1 << 20)), in);
  EXPECT_EQ(SystemDecompress("zstd -q", Compress(Compression::kZstd, AsBytes("tiny"))),
            Bytes({'t', 'i', 'n', 'y'}));
  // The frame carries a content checksum (zstd -lv reports it).
  TempFile file;
  WriteTo(file.path(), Compress(Compression::kZstd, in));
  FILE* p = ::popen(("zstd -lv '" + file.path() + "' 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string listing;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) listing.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << listing;
  EXPECT_NE(listing.find("Check: XXH64"), std::string::npos) << listing;
}

}  // namespace
}  // namespace ocitree
