// TarReader against archives written by GNU tar (/usr/bin/tar) in every
// format it offers, plus mutation fuzzing and a large streaming archive.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tar/tar_reader.h"
#include "tar/tar_test_util.h"

namespace ocitree::tar {
namespace {

namespace fs = std::filesystem;
using testing::HeaderSpec;
using testing::NumberEncoding;
using testing::Parsed;
using testing::PaxRecord;
using testing::ReadAll;
using testing::TarBuilder;

constexpr const char* kGnuTar = "/usr/bin/tar";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ocitree-tar-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

Bytes ReadFileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Runs a shell command; returns its stdout, or nullopt when it failed.
std::optional<std::string> Run(const std::string& cmd) {
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return ::pclose(f) == 0 ? std::optional(out) : std::nullopt;
}

std::string Pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::minstd_rand rng(seed);
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Files every format can hold (names < 100 bytes for V7).
void MakeBasicTree(const fs::path& root, bool special_files) {
  WriteFile(root / "empty", "");
  WriteFile(root / "small.txt", "hello\n");
  WriteFile(root / "block512", std::string(512, 'b'));
  WriteFile(root / "dir/sub/big.bin", Pattern(1048576 + 3, 1));
  fs::create_directories(root / "emptydir");
  fs::create_symlink("dir/sub/big.bin", root / "symlink");
  fs::create_hard_link(root / "small.txt", root / "hardlink");
  if (!special_files) return;
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0644), 0);
  // Device nodes need CAP_MKNOD; without it they are simply not covered.
  (void)::mknod((root / "null").c_str(), S_IFCHR | 0600, makedev(1, 3));
}

// Long names and link targets: needs GNU or PAX extensions.
void MakeLongTree(const fs::path& root) {
  const std::string d1(150, 'd'), d2(150, 'e');
  const std::string f(120, 'f');
  WriteFile(root / d1 / "over100", "x");         // > 100, fits the ustar prefix
  WriteFile(root / d1 / d2 / f, Pattern(3000, 2));  // > 255 bytes
  fs::create_symlink(std::string(300, 't') + "/target", root / "longlink");
  fs::create_hard_link(root / d1 / d2 / f, root / "hard-to-long");
  WriteFile(root / "xattrs", "with xattrs");
  ASSERT_EQ(::setxattr((root / "xattrs").c_str(), "user.b", "2", 1, 0), 0);
  ASSERT_EQ(::setxattr((root / "xattrs").c_str(), "user.a", "\x01\x00\xff", 3, 0), 0);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Archives `root` with GNU tar and checks our parse against `tar -t` and the
// bit-exact rebuild.
Parsed CheckGnuTar(const fs::path& root, const std::string& options) {
  const fs::path archive = root.parent_path() / (root.filename().string() + ".tar");
  const std::string create = std::string(kGnuTar) + " " + options + " -cf '" + archive.string() +
                             "' -C '" + root.string() + "' . 2>&1";
  auto created = Run(create);
  EXPECT_TRUE(created.has_value()) << create;
  Bytes tar = ReadFileBytes(archive);
  Parsed p = ReadAll(tar);
  EXPECT_TRUE(p.status.ok()) << options << ": " << p.status.message();
  EXPECT_EQ(p.rebuilt, tar) << options << ": rebuilt archive differs";
  auto listed = Run(std::string(kGnuTar) + " -tf '" + archive.string() + "'");
  EXPECT_TRUE(listed.has_value());
  std::vector<std::string> ours;
  for (const Entry& e : p.entries) ours.push_back(e.path);
  EXPECT_EQ(ours, Lines(listed.value_or(""))) << options;
  return p;
}

const Entry* Find(const Parsed& p, std::string_view suffix) {
  for (const Entry& e : p.entries) {
    if (e.path.ends_with(suffix)) return &e;
  }
  return nullptr;
}

class TarGnuTarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kGnuTar, X_OK) != 0) GTEST_SKIP() << "no " << kGnuTar;
    ASSERT_FALSE(tmp_.path().empty());
  }
  TempDir tmp_;
};

TEST_F(TarGnuTarTest, BasicTreeInEveryFormat) {
  const fs::path root = tmp_.path() / "basic";
  MakeBasicTree(root, /*special_files=*/true);
  for (const char* format : {"gnu", "oldgnu", "pax", "posix", "ustar"}) {
    SCOPED_TRACE(format);
    Parsed p = CheckGnuTar(root, std::string("--format=") + format);
    const Entry* big = Find(p, "big.bin");
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(big->size, 1048576u + 3);
    const Entry* link = Find(p, "hardlink");
    const Entry* small = Find(p, "small.txt");
    ASSERT_TRUE(link && small);
    // GNU tar archives whichever of the two names it meets first as the file.
    EXPECT_TRUE(link->type == EntryType::kHardlink || small->type == EntryType::kHardlink);
    const Entry* fifo = Find(p, "fifo");
    ASSERT_NE(fifo, nullptr);
    EXPECT_EQ(fifo->type, EntryType::kFifo);
    if (const Entry* dev = Find(p, "/null")) {
      EXPECT_EQ(dev->type, EntryType::kCharDevice);
      EXPECT_EQ(dev->dev_major, 1u);
      EXPECT_EQ(dev->dev_minor, 3u);
    }
    EXPECT_EQ(Find(p, "symlink")->link_target, "dir/sub/big.bin");
  }
}

TEST_F(TarGnuTarTest, V7Format) {
  const fs::path root = tmp_.path() / "v7";
  MakeBasicTree(root, /*special_files=*/false);
  CheckGnuTar(root, "--format=v7");
}

TEST_F(TarGnuTarTest, LongNamesLinksAndXattrs) {
  const fs::path root = tmp_.path() / "long";
  MakeLongTree(root);
  for (const char* options : {"--format=gnu", "--format=oldgnu", "--format=pax --xattrs",
                              "--format=posix --xattrs --pax-option=globexthdr.name=g,comment=hi"}) {
    SCOPED_TRACE(options);
    Parsed p = CheckGnuTar(root, options);
    if (std::string_view(options).find("comment") != std::string_view::npos) {
      for (const Entry& e : p.entries) EXPECT_EQ(e.pax_records.at("comment"), "hi") << e.path;
    }
    EXPECT_EQ(Find(p, "longlink")->link_target, std::string(300, 't') + "/target");
    const Entry* deep = Find(p, std::string(120, 'f'));
    ASSERT_NE(deep, nullptr);
    EXPECT_GT(deep->path.size(), 255u);
    const Entry* hard = Find(p, "hard-to-long");
    ASSERT_NE(hard, nullptr);
    if (hard->type == EntryType::kHardlink) {
      EXPECT_GT(hard->link_target.size(), 255u);
    }
    if (std::string_view(options).find("xattrs") != std::string_view::npos) {
      using X = std::vector<std::pair<std::string, std::string>>;
      X xattrs = Find(p, "xattrs")->xattrs;
      std::sort(xattrs.begin(), xattrs.end());
      EXPECT_EQ(xattrs, (X{{"user.a", std::string("\x01\x00\xff", 3)}, {"user.b", "2"}}));
    }
  }
}

TEST_F(TarGnuTarTest, RecordSizesAndUstarPrefix) {
  const fs::path root = tmp_.path() / "rec";
  // Each name > 100 bytes with a '/' that lets ustar split it into prefix/name.
  WriteFile(root / std::string(60, 'p') / std::string(60, 'q') / "name", "prefix split");
  for (const char* options : {"--format=ustar -b 1", "--format=ustar -b 20", "--format=gnu -b 64"}) {
    Parsed p = CheckGnuTar(root, options);
    EXPECT_NE(Find(p, "/name"), nullptr) << options;
  }
}

// Mutates a rich archive (fixing header checksums so parsing goes deep) and
// requires: no crash, and any accepted input rebuilds exactly.
TEST(TarFuzzTest, MutationsNeverBreakTheRebuildRule) {
  std::vector<size_t> headers;
  TarBuilder b;
  auto mark = [&] { headers.push_back(b.bytes().size()); };
  mark(); b.Pax(PaxRecord("path", "pax/name") + PaxRecord("SCHILY.xattr.user.x", "v") +
                PaxRecord("mtime", "1.25"), 'x');
  mark(); b.File("f1", std::string(1500, 'a'));
  mark(); b.Pax(PaxRecord("uname", "glob"), 'g');
  mark(); b.GnuLong('L', std::string(200, 'L'));
  mark(); b.File("f2", "bb");
  HeaderSpec h;
  h.name = "b256";
  h.uid = 5000000000 % 4294967296;
  h.id_encoding = NumberEncoding::kBase256;
  h.size_encoding = NumberEncoding::kBase256;
  mark(); b.Add(h, "ccc");
  h = HeaderSpec{};
  h.name = "sym";
  h.typeflag = '2';
  h.linkname = "f1";
  mark(); b.Add(h);
  const Bytes tar = b.Finish(2, 10240);
  ASSERT_TRUE(ReadAll(tar).status.ok());

  std::mt19937 rng(12345);
  int accepted = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    Bytes t = tar;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      // Mostly inside header blocks, where the parser looks.
      size_t pos = rng() % 3 ? headers[rng() % headers.size()] + rng() % 512 : rng() % t.size();
      t[pos] = static_cast<uint8_t>(rng() % 3 ? rng() : t[pos] ^ (1u << (rng() % 8)));
    }
    if (rng() % 4) {
      for (size_t off : headers) testing::SetChecksum(t.data() + off);
    }
    if (rng() % 8 == 0) t.resize(rng() % t.size());
    Limits limits;
    limits.max_entry_size = 1 << 20;  // a flipped size must not make us skip 8 GiB
    for (size_t chunk : {size_t{100000}, size_t{37}}) {
      testing::ChunkyReader in(t, chunk);
      Parsed p = ReadAll(in, limits, 300);
      if (p.status.ok()) {
        ++accepted;
        ASSERT_EQ(p.rebuilt, t) << "iteration " << iter;
      } else {
        ASSERT_NE(p.status.message().find("tar: offset "), std::string::npos)
            << p.status.message();
      }
    }
  }
  EXPECT_GT(accepted, 100);  // the fuzzer reached the accepting paths too
}

TEST(TarFuzzTest, EveryTruncationIsCleanlyReported) {
  TarBuilder b;
  b.Pax(PaxRecord("path", std::string(150, 'p') + "/" + std::string(149, 'p'))).File("a", std::string(700, 'a'))
      .GnuLong('K', "link").File("b", "b");
  const Bytes tar = b.Finish(2);
  for (size_t len = 0; len < tar.size(); ++len) {
    Bytes t(tar.begin(), tar.begin() + static_cast<ptrdiff_t>(len));
    Parsed p = ReadAll(t);
    if (p.status.ok()) {
      // Only cuts at a block boundary after an entry, or inside the marker.
      EXPECT_EQ(p.rebuilt, t) << len;
      EXPECT_EQ(len % 512, 0u) << len;
    }
  }
}

// Produces one header and `size` generated content bytes without ever
// holding the archive in memory.
class GeneratedTar : public ByteReader {
 public:
  explicit GeneratedTar(uint64_t size) : size_(size) {
    HeaderSpec h;
    h.name = "huge";
    h.size = static_cast<int64_t>(size);
    header_ = testing::MakeHeader(h);
    total_ = kBlockSize + size + PaddingFor(size) + 2 * kBlockSize;
  }
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), total_ - pos_));
    for (size_t i = 0; i < n;) {
      const uint64_t p = pos_ + i;
      if (p < kBlockSize) {
        const size_t k = std::min<size_t>(n - i, kBlockSize - p);
        std::memcpy(buf.data() + i, header_.data() + p, k);
        i += k;
      } else {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(n - i, total_ - p));
        for (size_t j = 0; j < k; ++j) {
          const uint64_t c = p + j - kBlockSize;
          buf[i + j] = c < size_ ? static_cast<uint8_t>(c * 31 + (c >> 12)) : 0;
        }
        i += k;
      }
    }
    pos_ += n;
    return n;
  }

 private:
  uint64_t size_, total_, pos_ = 0;
  Bytes header_;
};

long MaxRssKiB() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST(TarStreamingTest, LargeContentIsStreamedNotBuffered) {
  const uint64_t size = (uint64_t{256} << 20) + 77;
  const long rss_before = MaxRssKiB();
  GeneratedTar in(size);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  ASSERT_EQ(e.size, size);
  std::vector<uint8_t> buf(1 << 20);
  uint64_t total = 0, mismatches = 0;
  for (;;) {
    auto n = reader.ReadContent(buf);
    ASSERT_TRUE(n.ok()) << n.status().message();
    if (*n == 0) break;
    for (size_t j = 0; j < *n; j += 4093) {
      const uint64_t c = total + j;
      mismatches += buf[j] != static_cast<uint8_t>(c * 31 + (c >> 12));
    }
    total += *n;
  }
  EXPECT_EQ(total, size);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_FALSE(*reader.Next(&e));
  EXPECT_EQ(reader.offset(), 512 + size + PaddingFor(size) + 1024);
  EXPECT_LT(MaxRssKiB() - rss_before, 32 * 1024) << "memory grew with the archive";
}

TEST(TarStreamingTest, SkippingLargeContent) {
  const uint64_t size = (uint64_t{64} << 20) + 1;
  GeneratedTar in(size);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  uint8_t some[1000];
  ASSERT_TRUE(reader.ReadContent(some).ok());
  EXPECT_FALSE(*reader.Next(&e));  // skips the rest of the content and its padding
  EXPECT_EQ(reader.offset(), 512 + size + PaddingFor(size) + 1024);
  EXPECT_EQ(reader.trailer().size(), 1024u);
}

}  // namespace
}  // namespace ocitree::tar
