// Layer recipes: every tar the reader accepts comes back byte for byte from
// recipe + content objects; damaged or hostile recipes fail cleanly.
#include "bridge/layer_recipe.h"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zstd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "base/fs_util.h"
#include "base/test_scale.h"
#include "tar/tar_reader.h"
#include "tar/tar_test_util.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;
using tar::testing::ChunkyReader;
using tar::testing::HeaderSpec;
using tar::testing::Magic;
using tar::testing::PaxRecord;
using tar::testing::TarBuilder;

// Stands in for the repository's content objects: checksum -> payload.
class ObjectStore {
 public:
  Checksum Put(std::string payload) {
    Checksum c = Sha256::Of(payload);
    objects_.emplace(c, std::move(payload));
    return c;
  }
  // An opener over the stored objects; `max_chunk` makes reads short.
  ContentOpener Opener(size_t max_chunk = 1 << 20) const {
    return [this, max_chunk](const Checksum& c, uint64_t) -> Result<std::unique_ptr<ByteReader>> {
      auto it = objects_.find(c);
      if (it == objects_.end()) return NotFound("no object " + c.Hex());
      return std::unique_ptr<ByteReader>(std::make_unique<ChunkyReader>(AsBytes(it->second), max_chunk));
    };
  }
  std::map<Checksum, std::string>& objects() { return objects_; }

 private:
  std::map<Checksum, std::string> objects_;
};

// Reads `tar` as the importer does, storing content and feeding a writer
// (with `spill`, one that writes to a file, read back afterwards).
Result<Bytes> MakeRecipe(ByteView tar_bytes, ObjectStore* store, int level = 6, bool spill = false) {
  MemoryReader in(tar_bytes);
  tar::TarReader reader(in);
  RecipeWriter writer(level);
  UniqueFd file;
  if (spill) {
    OCITREE_ASSIGN_OR_RETURN(file, OpenScratchFile(AT_FDCWD, fs::temp_directory_path().string()));
    writer.SpillTo(file.get());
  }
  tar::Entry entry;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(bool more, reader.Next(&entry));
    if (!more) break;
    Bytes content(entry.size);
    OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(reader.content(), content));
    if (n != content.size()) return Internal("short content");
    std::optional<Checksum> object;
    if (!content.empty()) object = store->Put(std::string(AsChars(content)));
    OCITREE_RETURN_IF_ERROR(writer.AddEntry(reader.raw_header(), object, entry.size, reader.padding()));
  }
  if (!spill) return writer.Finish(reader.trailer(), Sha256::Of(tar_bytes));
  OCITREE_ASSIGN_OR_RETURN(uint64_t size, writer.FinishSpill(reader.trailer(), Sha256::Of(tar_bytes)));
  Bytes out(size);
  if (pread(file.get(), out.data(), out.size(), 0) != static_cast<ssize_t>(out.size()))
    return Internal("spilled recipe shorter than its size");
  return out;
}

Result<Bytes> Rebuild(ByteView recipe, const ContentOpener& open) {
  Bytes out;
  BytesSink sink(&out);
  OCITREE_RETURN_IF_ERROR(RebuildTar(recipe, open, sink));
  return out;
}

// The central property: tar -> recipe -> tar is the identity.
void ExpectRoundTrip(const Bytes& tar_bytes, size_t max_chunk = 1 << 20) {
  ObjectStore store;
  auto recipe = MakeRecipe(tar_bytes, &store);
  ASSERT_TRUE(recipe.ok()) << recipe.status().message();
  auto rebuilt = Rebuild(*recipe, store.Opener(max_chunk));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_EQ(rebuilt->size(), tar_bytes.size());
  EXPECT_TRUE(*rebuilt == tar_bytes) << "rebuilt tar differs";
  auto summary = InspectRecipe(*recipe);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->header.tar_size, tar_bytes.size());
  EXPECT_EQ(summary->header.diff_id, Sha256::Of(tar_bytes));
  EXPECT_EQ(summary->contents.size(), store.objects().size());
}

HeaderSpec Spec(std::string name, char type = '0', std::string link = "") {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = type;
  h.linkname = std::move(link);
  if (type == '5') h.mode = 0755;
  return h;
}

Bytes MixedTar(size_t zero_blocks = 2, size_t record = 0) {
  HeaderSpec dev = Spec("dev/null", '3');
  dev.devmajor = 1;
  dev.devminor = 3;
  return TarBuilder()
      .Add(Spec("etc/", '5'))
      .File("etc/motd", "hello\n")
      .File("etc/empty", "")
      .File("etc/block", std::string(512, 'b'))
      .Add(Spec("etc/link", '2', "motd"))
      .Add(Spec("etc/hard", '1', "etc/motd"))
      .Add(dev)
      .Add(Spec("fifo", '6'))
      .Finish(zero_blocks, record);
}

TEST(RecipeRoundTrip, UstarEntriesOfEveryType) { ExpectRoundTrip(MixedTar()); }

TEST(RecipeRoundTrip, ShortContentReads) { ExpectRoundTrip(MixedTar(), /*max_chunk=*/7); }

TEST(RecipeRoundTrip, EmptyArchive) {
  ExpectRoundTrip(TarBuilder().Finish());
  ExpectRoundTrip(TarBuilder().Finish(2, 10240));
}

TEST(RecipeRoundTrip, PaxWithXattrsAndGlobalHeaders) {
  const std::string long_path = "usr/" + std::string(200, 'p') + "/file";
  Bytes t = TarBuilder()
                .Pax(PaxRecord("comment", "global"), 'g', "pax_global_header")
                .Pax(PaxRecord("path", long_path) + PaxRecord("SCHILY.xattr.user.foo", "bar") +
                     PaxRecord("SCHILY.xattr.security.capability", std::string("\x01\x00\x00\x02", 4)) +
                     PaxRecord("mtime", "1700000000.123456789"))
                .File("short-name", "content behind a PAX header")
                .Pax(PaxRecord("LIBARCHIVE.xattr.user.x", "dmFsdWU="))
                .Add(Spec("d/", '5'))
                .Pax(PaxRecord("comment", "dangling global"), 'g')
                .Finish();
  ExpectRoundTrip(t);
}

TEST(RecipeRoundTrip, GnuLongNamesAndLinks) {
  // Over 100 bytes (a GNU 'L' record), in components within NAME_MAX.
  const std::string long_name = "opt/" + std::string(200, 'n') + "/" + std::string(99, 'n');
  const std::string long_target = std::string(250, 't');
  HeaderSpec file = Spec(long_name.substr(0, 100));
  file.magic = Magic::kGnu;
  HeaderSpec link = Spec("x", '2', long_target.substr(0, 100));
  link.magic = Magic::kGnu;
  HeaderSpec hard = Spec("hard", '1', long_name.substr(0, 100));
  hard.magic = Magic::kGnu;
  Bytes t = TarBuilder()
                .GnuLong('L', long_name)
                .Add(file, std::string(1000, 'z'))
                .GnuLong('L', long_name + "-link")
                .GnuLong('K', long_target)
                .Add(link)
                .GnuLong('K', long_name)
                .Add(hard)
                .Finish();
  ExpectRoundTrip(t);
}

TEST(RecipeRoundTrip, NonzeroPaddingBytes) {
  Bytes t = TarBuilder()
                .Add(Spec("a"), "abc", 0xaa)
                .Add(Spec("b"), std::string(511, 'x'), 0x01)
                .Add(Spec("c"), std::string(513, 'y'), 0xff)
                .Finish();
  ExpectRoundTrip(t);
}

TEST(RecipeRoundTrip, RecordPaddingWithGarbageAfterEndBlocks) {
  Bytes t = MixedTar(2, 10240);
  ASSERT_EQ(t.size() % 10240, 0u);
  // Bytes after the two zero blocks are kept as they are, zero or not.
  for (size_t i = t.size() - 3000; i < t.size(); i += 3) t[i] = static_cast<uint8_t>(i);
  ExpectRoundTrip(t);
}

TEST(RecipeRoundTrip, OneZeroBlockOrNoneAtTheEnd) {
  ExpectRoundTrip(MixedTar(1));
  ExpectRoundTrip(MixedTar(0));
}

TEST(RecipeRoundTrip, HeadersWithNonCanonicalChecksums) {
  // Historic writers summed signed chars; others pad the field with spaces.
  HeaderSpec signed_sum = Spec("caf\xc3\xa9");
  signed_sum.signed_checksum = true;
  // Same sum, written "%7o " (spaces, no NUL): valid, but not canonical.
  Bytes spaced = tar::testing::MakeHeader(Spec("spaced"));
  const long sum = std::strtol(reinterpret_cast<const char*>(spaced.data() + 148), nullptr, 8);
  char field[16];
  std::snprintf(field, sizeof field, "%7lo ", sum);
  std::memcpy(spaced.data() + 148, field, 8);
  Bytes t = TarBuilder().Add(signed_sum, "x").Raw(spaced).Finish();
  ExpectRoundTrip(t);
}

TEST(RecipeRoundTrip, LargeAndDuplicateContent) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 rng(7);
  for (char& c : big) c = static_cast<char>(rng());
  Bytes t = TarBuilder().File("big", big).File("copy", big).File("small", "s").File("again", "s").Finish(2, 10240);
  ExpectRoundTrip(t);
  ObjectStore store;
  auto recipe = MakeRecipe(t, &store);
  ASSERT_TRUE(recipe.ok());
  auto summary = InspectRecipe(*recipe);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->header.entries, 4u);
  EXPECT_EQ(summary->content_refs, 4u);
  EXPECT_EQ(summary->content_bytes, 2 * big.size() + 2);
  EXPECT_EQ(summary->contents, (std::vector<Checksum>{std::min(Sha256::Of(big), Sha256::Of("s")),
                                                      std::max(Sha256::Of(big), Sha256::Of("s"))}));
}

// ---------------------------------------------------------------------------
// GNU tar output

class RecipeGnuTar : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/tar", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/tar";
    char tmpl[] = "/tmp/ocitree-recipe-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    MakeTree(dir_ / "root");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  static void Write(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  void MakeTree(const fs::path& root) {
    Write(root / "empty", "");
    Write(root / "small.txt", "hello\n");
    Write(root / "block", std::string(512, 'b'));
    std::string big(200000, '\0');
    for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>(i * 131 + i / 7);
    Write(root / "dir/sub/big.bin", big);
    Write(root / (std::string(150, 'd') + "/" + std::string(120, 'f')), "deep");
    fs::create_directories(root / "emptydir");
    fs::create_symlink("dir/sub/big.bin", root / "symlink");
    fs::create_symlink(std::string(200, 't'), root / "longlink");
    fs::create_hard_link(root / "small.txt", root / "hardlink");
    Write(root / "xattrs", "with xattrs");
    // Not every file system takes user xattrs; the archive is valid anyway.
    (void)::setxattr((root / "xattrs").c_str(), "user.a", "\x01\x00\xff", 3, 0);
  }

  Bytes Archive(const std::string& options) {
    const fs::path out = dir_ / "out.tar";
    const std::string cmd = "/usr/bin/tar " + options + " -cf '" + out.string() + "' -C '" +
                            (dir_ / "root").string() + "' . 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(out, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

TEST_F(RecipeGnuTar, EveryFormat) {
  for (const char* options : {"--format=gnu", "--format=pax --xattrs", "--format=ustar", "--format=oldgnu",
                              "--format=posix --pax-option=globexthdr.name=g,comment=hi"}) {
    SCOPED_TRACE(options);
    if (std::string_view(options) == "--format=ustar") {
      // ustar cannot hold the long names: archive what it can.
      fs::remove_all(dir_ / "root" / std::string(150, 'd'));
      fs::remove(dir_ / "root" / "longlink");
    }
    Bytes t = Archive(options);
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.size() % 10240, 0u);  // default blocking factor 20
    ExpectRoundTrip(t);
  }
}

// ---------------------------------------------------------------------------
// Size

// Writes `n` uniform synthetic entries straight into a writer (and a tar in
// memory to check the rebuild against).
struct Synthetic {
  Bytes tar;
  Bytes recipe;
  ObjectStore store;
};

void MakeSynthetic(size_t n, bool with_content, int level, Synthetic* s) {
  TarBuilder b;
  for (size_t i = 0; i < n; i++) {
    char name[64];
    std::snprintf(name, sizeof name, "usr/share/dir%04zu/file%06zu.txt", i / 100, i);
    if (with_content) {
      b.File(name, "content of " + std::to_string(i) + "\n");
    } else {
      b.Add(Spec(std::string(name) + "/", '5'));
    }
  }
  s->tar = b.Finish(2, 10240);
  auto recipe = MakeRecipe(s->tar, &s->store, level);
  ASSERT_TRUE(recipe.ok()) << recipe.status().message();
  s->recipe = std::move(recipe).value();
}

TEST(RecipeSize, HundredThousandEntries) {
  constexpr size_t kEntries = 100000 / kTestScaleDivisor;
  for (bool with_content : {true, false}) {
    for (int level : {3, 6}) {
      Synthetic s;
      const auto start = std::chrono::steady_clock::now();
      MakeSynthetic(kEntries, with_content, level, &s);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double per_entry = static_cast<double>(s.recipe.size()) / kEntries;
      std::printf("[ recipe   ] %zu %s, zstd %d: tar %zu bytes, recipe %zu bytes (%.2f bytes/entry), %.2fs\n",
                  kEntries, with_content ? "files" : "dirs", level, s.tar.size(), s.recipe.size(), per_entry, secs);
      // Files: 32 bytes of checksum each, which do not compress, plus a few
      // bytes of header (measured ~4); directories: the header alone (~1.5).
      EXPECT_LT(per_entry, with_content ? 38.0 : 3.0);
      if (level != 6) continue;
      auto rebuilt = Rebuild(s.recipe, s.store.Opener());
      ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
      EXPECT_TRUE(*rebuilt == s.tar);
    }
  }
}

TEST(RecipeSpill, ASpilledRecipeIsTheSameBytes) {
  // ~40 bytes an entry: the spill file is written in several batches.
  TarBuilder b;
  for (size_t i = 0; i < 60000; i++) b.File("d" + std::to_string(i / 1000) + "/f" + std::to_string(i), std::to_string(i));
  Bytes tar = b.Finish();
  ObjectStore store;
  auto in_memory = MakeRecipe(tar, &store);
  auto spilled = MakeRecipe(tar, &store, 6, /*spill=*/true);
  ASSERT_TRUE(in_memory.ok() && spilled.ok());
  EXPECT_GT(spilled->size(), size_t{3} << 20 >> 1);  // more than one 1 MiB batch
  EXPECT_TRUE(*spilled == *in_memory);
  auto rebuilt = Rebuild(*spilled, store.Opener());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_TRUE(*rebuilt == tar);
}

TEST(RecipeSpill, FinishMustMatchTheWayTheWriterWasSetUp) {
  RecipeWriter kept;
  EXPECT_EQ(kept.FinishSpill({}, Checksum{}).status().code(), ErrorCode::kInternal);
  RecipeWriter spilled;
  spilled.SpillTo(STDOUT_FILENO);
  EXPECT_EQ(spilled.Finish({}, Checksum{}).status().code(), ErrorCode::kInternal);
}

// ---------------------------------------------------------------------------
// Damage

Bytes SmallRecipe(ObjectStore* store, Bytes* tar_out = nullptr) {
  Bytes t = MixedTar(2, 10240);
  if (tar_out) *tar_out = t;
  auto recipe = MakeRecipe(t, store);
  EXPECT_TRUE(recipe.ok());
  return recipe.ok() ? *recipe : Bytes();
}

ErrorCode RebuildCode(ByteView recipe, const ContentOpener& open) { return Rebuild(recipe, open).status().code(); }

TEST(RecipeCorrupt, Truncated) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  for (size_t len = 0; len < recipe.size(); len++) {
    ByteView cut(recipe.data(), len);
    EXPECT_EQ(RebuildCode(cut, store.Opener()), ErrorCode::kCorrupt) << len;
    EXPECT_EQ(InspectRecipe(cut).status().code(), ErrorCode::kCorrupt) << len;
  }
}

TEST(RecipeCorrupt, EveryFlippedByte) {
  ObjectStore store;
  Bytes tar_bytes;
  Bytes recipe = SmallRecipe(&store, &tar_bytes);
  int harmless = 0;
  for (size_t i = 0; i < recipe.size(); i++) {
    // Version and flags bytes: a recipe from a newer ocitree, not damage.
    const ErrorCode want = (i == 8 || i == 9) ? ErrorCode::kUnsupported : ErrorCode::kCorrupt;
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      Bytes bad = recipe;
      bad[i] ^= mask;
      auto r = Rebuild(bad, store.Opener());
      // A few bits of a zstd frame do not change what it decodes to (e.g.
      // table entries for unused symbols); then the tar is still exact.
      if (r.ok()) {
        EXPECT_TRUE(*r == tar_bytes) << "byte " << i << " ^ " << int(mask);
        harmless++;
        continue;
      }
      EXPECT_EQ(r.status().code(), want) << "byte " << i << " ^ " << int(mask) << ": " << r.status().message();
    }
  }
  std::printf("[ recipe   ] %zu-byte recipe: %d of %zu byte flips decode to the same tar\n", recipe.size(),
              harmless, 3 * recipe.size());
  EXPECT_LT(harmless, 10);
}

TEST(RecipeCorrupt, WrongDiffIdFoundOnlyByRebuild) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  recipe[kRecipeHeaderSize - 1] ^= 1;
  EXPECT_TRUE(InspectRecipe(recipe).ok());
  auto r = Rebuild(recipe, store.Opener());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.status().message().find("digest"), std::string::npos) << r.status().message();
}

TEST(RecipeCorrupt, WrongCountsInHeader) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  for (size_t offset : {10, 18}) {  // tar size, entries
    for (int delta : {1, -1}) {
      Bytes bad = recipe;
      bad[offset] = static_cast<uint8_t>(bad[offset] + delta);
      EXPECT_EQ(InspectRecipe(bad).status().code(), ErrorCode::kCorrupt) << offset << " " << delta;
      EXPECT_EQ(RebuildCode(bad, store.Opener()), ErrorCode::kCorrupt);
    }
  }
}

TEST(RecipeCorrupt, ContentOfTheWrongSize) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  for (int delta : {-1, 1}) {
    ContentOpener open = [&](const Checksum& c, uint64_t size) -> Result<std::unique_ptr<ByteReader>> {
      static thread_local std::string payload;
      payload = store.objects().at(c);
      EXPECT_EQ(payload.size(), size);
      if (delta < 0) payload.pop_back();
      if (delta > 0) payload.push_back('!');
      return std::unique_ptr<ByteReader>(std::make_unique<MemoryReader>(AsBytes(payload)));
    };
    auto r = Rebuild(recipe, open);
    EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << delta;
    EXPECT_NE(r.status().message().find("content object"), std::string::npos) << r.status().message();
  }
}

TEST(RecipeCorrupt, ContentWithOtherBytes) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  for (auto& [checksum, payload] : store.objects()) payload[0] ^= 1;
  EXPECT_EQ(RebuildCode(recipe, store.Opener()), ErrorCode::kCorrupt);
}

TEST(RecipeCorrupt, MissingObjectIsNotFound) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  ObjectStore empty;
  auto r = Rebuild(recipe, empty.Opener());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Hostile recipes, built record by record.

class Body {
 public:
  Body& Byte(uint8_t b) { bytes_.push_back(b); return *this; }
  Body& Varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) bytes_.push_back(static_cast<uint8_t>(v | 0x80));
    bytes_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Body& Data(ByteView d) { bytes_.insert(bytes_.end(), d.begin(), d.end()); return *this; }
  Body& Zeros(size_t n) { bytes_.resize(bytes_.size() + n, 0); return *this; }
  // An entry without content: one header block, no elision.
  Body& Entry(const Bytes& header) { return Byte(1).Byte(0).Varint(0).Varint(header.size()).Zeros(1).Data(header); }
  Body& End(size_t trailer) { return Byte(2).Varint(trailer).Zeros(trailer); }

  // The recipe: header fields as given, body in one zstd frame.
  Bytes Recipe(uint64_t tar_size, uint64_t entries, const Checksum& diff_id = {}) const {
    Bytes out(kRecipeHeaderSize, 0);
    std::memcpy(out.data(), "OTRECIPE", 8);
    out[8] = kRecipeVersion;
    for (int i = 0; i < 8; i++) out[10 + i] = static_cast<uint8_t>(tar_size >> (8 * i));
    for (int i = 0; i < 8; i++) out[18 + i] = static_cast<uint8_t>(entries >> (8 * i));
    std::memcpy(out.data() + 26, diff_id.bytes.data(), 32);
    Bytes z(ZSTD_compressBound(bytes_.size()));
    z.resize(ZSTD_compress(z.data(), z.size(), bytes_.data(), bytes_.size(), 3));
    out.insert(out.end(), z.begin(), z.end());
    return out;
  }

 private:
  Bytes bytes_;
};

Status InspectStatus(const Bytes& recipe) { return InspectRecipe(recipe).status(); }

TEST(RecipeHostile, WellFormedHandmadeRecipeIsAccepted) {
  Bytes header = tar::testing::MakeHeader(Spec("d/", '5'));
  Bytes tar_bytes = header;
  tar_bytes.resize(tar_bytes.size() + 1024, 0);
  Bytes recipe = Body().Entry(header).End(1024).Recipe(tar_bytes.size(), 1, Sha256::Of(tar_bytes));
  auto rebuilt = Rebuild(recipe, ObjectStore().Opener());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_TRUE(*rebuilt == tar_bytes);
}

TEST(RecipeHostile, OversizedRecords) {
  // Claims only: the lengths are refused before anything is read.
  Bytes big_header = Body().Byte(1).Byte(0).Varint(0).Varint(kRecipeMaxHeaderBytes + 1).End(0).Recipe(~0ull, 1);
  EXPECT_EQ(InspectStatus(big_header).code(), ErrorCode::kCorrupt);
  EXPECT_NE(InspectStatus(big_header).message().find("4 MiB"), std::string::npos);
  Bytes big_trailer = Body().Byte(2).Varint(kRecipeMaxTrailerBytes + 1).Recipe(~0ull, 0);
  EXPECT_EQ(InspectStatus(big_trailer).code(), ErrorCode::kCorrupt);
  Bytes big_padding = Body().Byte(1).Byte(2).Varint(0).Varint(0).Varint(512).Zeros(512).End(0).Recipe(~0ull, 1);
  EXPECT_EQ(InspectStatus(big_padding).code(), ErrorCode::kCorrupt);
  Bytes big_content = Body().Byte(1).Byte(1).Varint(kRecipeMaxContentSize + 1).Zeros(32).Recipe(~0ull, 1);
  EXPECT_EQ(InspectStatus(big_content).code(), ErrorCode::kCorrupt);
  // A header record larger than the data behind it.
  Bytes short_data = Body().Byte(1).Byte(0).Varint(0).Varint(4096).Zeros(100).Recipe(~0ull, 1);
  EXPECT_EQ(InspectStatus(short_data).code(), ErrorCode::kCorrupt);
}

TEST(RecipeHostile, MalformedRecords) {
  Bytes header = tar::testing::MakeHeader(Spec("f"));
  const Bytes cases[] = {
      Body().Byte(7).Recipe(0, 0),                                             // unknown record
      Body().Byte(1).Byte(0x80).Varint(0).Varint(0).End(0).Recipe(0, 1),        // unknown flags
      Body().Byte(1).Byte(0).Zeros(9).Byte(0x80).Byte(1).Recipe(~0ull, 1),     // varint > 10 bytes
      Body().Byte(1).Byte(0).Varint(5).Varint(0).End(0).Recipe(~0ull, 1),      // size, no checksum
      Body().Entry(header).Recipe(512, 1),                                     // no end record
      Body().Entry(header).End(0).Byte(2).Recipe(512, 1),                      // data after end
      Body().Entry(header).End(0).Recipe(512, 2),                              // fewer entries
      Body().Entry(header).Entry(header).End(0).Recipe(1024, 1),               // more entries
      Body().Entry(header).End(0).Recipe(513, 1),                              // size mismatch
      Body().Entry(header).End(0).Recipe(511, 1),                              // size exceeded
      Body().Byte(1).Byte(0).Varint(0).Varint(512).Byte(1).Data(header).End(0).Recipe(512, 1),  // elided, not blank
      Body().Recipe(0, 0),                                                     // empty body
  };
  for (size_t i = 0; i < std::size(cases); i++) {
    EXPECT_EQ(InspectStatus(cases[i]).code(), ErrorCode::kCorrupt) << "case " << i;
  }
}

TEST(RecipeHostile, BodyIsExactlyOneFrame) {
  Bytes header = tar::testing::MakeHeader(Spec("d/", '5'));
  Bytes good = Body().Entry(header).End(0).Recipe(512, 1);
  ASSERT_TRUE(InspectRecipe(good).ok()) << InspectStatus(good).message();
  Bytes two_frames = good;
  Bytes second = Body().End(0).Recipe(0, 0);
  two_frames.insert(two_frames.end(), second.begin() + kRecipeHeaderSize, second.end());
  EXPECT_EQ(InspectStatus(two_frames).code(), ErrorCode::kCorrupt);
  Bytes garbage = good;
  garbage.push_back(0);
  EXPECT_EQ(InspectStatus(garbage).code(), ErrorCode::kCorrupt);
  // A frame asking for a 1 GiB window is refused, not allocated.
  Bytes huge_window(kRecipeHeaderSize);
  std::memcpy(huge_window.data(), good.data(), kRecipeHeaderSize);
  const uint8_t frame[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, (30 - 10) << 3, 0, 0, 0, 0};
  huge_window.insert(huge_window.end(), std::begin(frame), std::end(frame));
  EXPECT_EQ(InspectStatus(huge_window).code(), ErrorCode::kCorrupt);
}

TEST(RecipeHostile, HeaderChecks) {
  ObjectStore store;
  Bytes recipe = SmallRecipe(&store);
  EXPECT_EQ(InspectStatus(Bytes(recipe.begin(), recipe.begin() + 20)).code(), ErrorCode::kCorrupt);
  Bytes v2 = recipe;
  v2[8] = 2;
  EXPECT_EQ(InspectStatus(v2).code(), ErrorCode::kUnsupported);
  Bytes bad_magic = recipe;
  bad_magic[0] = 'X';
  EXPECT_EQ(InspectStatus(bad_magic).code(), ErrorCode::kCorrupt);
  auto h = ReadRecipeHeader(recipe);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->entries, 8u);
  EXPECT_EQ(h->tar_size, 10240u);
}

TEST(RecipeFuzz, RandomMutationsNeverCrash) {
  ObjectStore store;
  Bytes tar_bytes;
  Bytes recipe = SmallRecipe(&store, &tar_bytes);
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; round++) {
    Bytes bad = recipe;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; e++) bad[rng() % bad.size()] = static_cast<uint8_t>(rng());
    if (bad == recipe) continue;
    auto r = Rebuild(bad, store.Opener());
    if (r.ok()) {
      EXPECT_TRUE(*r == tar_bytes) << "round " << round;
    }
    (void)InspectRecipe(bad);
  }
}

// ---------------------------------------------------------------------------
// Writer misuse

TEST(RecipeWriterApi, RejectsInconsistentEntries) {
  Bytes header = tar::testing::MakeHeader(Spec("f"));
  {
    RecipeWriter w;
    EXPECT_EQ(w.AddEntry(header, std::nullopt, 5, Bytes(507, 0)).code(), ErrorCode::kInvalidArgument);
    // Errors are sticky.
    EXPECT_FALSE(w.AddEntry(header, std::nullopt, 0, {}).ok());
    EXPECT_FALSE(w.Finish({}, Checksum{}).ok());
  }
  {
    RecipeWriter w;
    EXPECT_EQ(w.AddEntry(header, Checksum{}, 1, Bytes(512, 0)).code(), ErrorCode::kInvalidArgument);
  }
  {
    RecipeWriter w;
    EXPECT_EQ(w.AddEntry(Bytes(kRecipeMaxHeaderBytes + 512), std::nullopt, 0, {}).code(),
              ErrorCode::kInvalidArgument);
  }
  {
    RecipeWriter w;
    ASSERT_TRUE(w.Finish({}, Checksum{}).ok());
    EXPECT_FALSE(w.AddEntry(header, std::nullopt, 0, {}).ok());
  }
}

// The format holds any byte sequence the tar reader could hand over, at the
// record limits, not only block-aligned tar.
TEST(RecipeWriterApi, ArbitraryBytesAtTheLimits) {
  std::mt19937 rng(3);
  auto random = [&](size_t n) {
    Bytes b(n);
    for (uint8_t& c : b) c = static_cast<uint8_t>(rng());
    return b;
  };
  ObjectStore store;
  RecipeWriter w;
  Bytes expected;
  auto add = [&](const Bytes& header, std::optional<std::string> content, const Bytes& padding) {
    std::optional<Checksum> c;
    if (content) c = store.Put(*content);
    ASSERT_TRUE(w.AddEntry(header, c, content ? content->size() : 0, padding).ok());
    expected.insert(expected.end(), header.begin(), header.end());
    if (content) expected.insert(expected.end(), content->begin(), content->end());
    expected.insert(expected.end(), padding.begin(), padding.end());
  };
  add(random(kRecipeMaxHeaderBytes), "abc", Bytes(509, 0));
  add(random(777), "defg", Bytes());           // padding shorter than a tar's
  add(Bytes(), std::string(), Bytes(3, 0));     // empty content, with a checksum
  add(random(512 * 3 + 1), std::nullopt, random(511));
  const Bytes trailer = random(kRecipeMaxTrailerBytes);
  expected.insert(expected.end(), trailer.begin(), trailer.end());
  auto recipe = w.Finish(trailer, Sha256::Of(expected));
  ASSERT_TRUE(recipe.ok()) << recipe.status().message();
  auto rebuilt = Rebuild(*recipe, store.Opener());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_TRUE(*rebuilt == expected);
  auto summary = InspectRecipe(*recipe);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->header.entries, 4u);
  EXPECT_EQ(summary->content_refs, 3u);
  EXPECT_EQ(summary->contents.size(), 3u);
}

}  // namespace
}  // namespace ocitree
