// Object encodings against the byte-exact vectors of FORMATS.md 1.6, which
// were produced by libostree itself.
#include <gtest/gtest.h>

#include "repo/commit_object.h"
#include "repo/dirtree.h"
#include "repo/file_meta.h"

namespace ocitree {
namespace {

Checksum ContentChecksum(const FileMeta& meta, std::string_view payload) {
  ContentHasher h;
  h.Begin(meta);
  h.Update(AsBytes(payload));
  return h.Finish();
}

TEST(Objects, DefaultDirMetaMatchesOstree) {
  Bytes b = SerializeDirMeta(DirMeta{});
  EXPECT_EQ(b, (Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0xed}));
  EXPECT_EQ(Sha256::Of(b).Hex(), "446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488");
  auto parsed = ParseDirMeta(b);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->mode, S_IFDIR | 0755u);
}

TEST(Objects, EmptyDirTreeMatchesOstree) {
  Bytes b = SerializeDirTree(DirTree{});
  EXPECT_EQ(b, Bytes{0});
  EXPECT_EQ(Sha256::Of(b).Hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(Objects, RegularFileChecksumMatchesOstree) {
  FileMeta meta;  // 0:0, 0100644, no xattrs
  EXPECT_EQ(ContentChecksum(meta, "hi\n").Hex(), "fbf7cf77a1b50d9f074cb6e9ef6ddb65b6532ea89e4f4ca1b07a05b4cd1be259");
  Bytes header = SerializeFileHeader(meta);
  EXPECT_EQ(header.size(), 18u);
  EXPECT_EQ(LengthPrefixed(header).size(), 26u);
}

TEST(Objects, XattrsChangeTheChecksumAsOstree) {
  FileMeta meta;
  meta.xattrs = {{"user.b", {'2'}}, {"user.a", {'1'}}};
  ASSERT_TRUE(CanonicalizeXattrs(&meta.xattrs).ok());
  EXPECT_EQ(meta.xattrs[0].name, "user.a");
  EXPECT_EQ(SerializeFileHeader(meta).size(), 38u);
  EXPECT_EQ(ContentChecksum(meta, "hi\n").Hex(), "3d363022647c144ee10ef16ca072d6293015b667e81f063b4be7725c0b7c8579");
}

TEST(Objects, SymlinkChecksumMatchesOstree) {
  FileMeta meta;
  meta.mode = S_IFLNK | 0777;
  meta.symlink_target = "a";
  EXPECT_EQ(ContentChecksum(meta, "").Hex(), "438802d990f25270d36f902bc9ce9d0737b88f9ae0b41ed59ec9e47c28523e0a");
}

TEST(Objects, ArchiveHeaderRoundTrips) {
  FileMeta meta;
  meta.uid = 1000;
  meta.gid = 65534;
  meta.mode = S_IFREG | 04755;
  meta.xattrs = {{"user.x", {1, 2, 3}}};
  uint64_t size = 0;
  auto parsed = ParseArchiveHeader(SerializeArchiveHeader(meta, 123456789), &size);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(size, 123456789u);
  EXPECT_EQ(parsed->uid, 1000u);
  EXPECT_EQ(parsed->gid, 65534u);
  EXPECT_EQ(parsed->mode, meta.mode);
  EXPECT_EQ(parsed->xattrs, meta.xattrs);
}

TEST(Objects, CommitLayoutMatchesFormatsE4) {
  CommitObject c;
  c.metadata = MetadataBuilder().SetStringArray("ostree.ref-binding", {"test"}).Finish();
  c.subject = "subj";
  for (int i = 0; i < 32; i++) {
    c.root_tree.bytes[i] = static_cast<uint8_t>(i);
    c.root_meta.bytes[i] = static_cast<uint8_t>(0x80 + i);
  }
  Bytes b = SerializeCommit(c);
  ASSERT_EQ(b.size(), 126u);
  EXPECT_EQ(Bytes(b.end() - 6, b.end()), (Bytes{0x58, 0x29, 0x28, 0x23, 0x23, 0x23}));
  EXPECT_EQ(b[0x38], 0);
  EXPECT_EQ(b[0x58], 0x80);
  auto parsed = ParseCommit(b);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->subject, "subj");
  EXPECT_FALSE(parsed->parent.has_value());
  EXPECT_EQ(parsed->root_meta, c.root_meta);
}

TEST(Objects, DirTreeRejectsUnsortedAndInvalidNames) {
  DirTree t;
  t.files = {{"b", {}}, {"a", {}}};
  EXPECT_FALSE(ParseDirTree(SerializeDirTree(t)).ok());
  t.files = {{"..", {}}};
  EXPECT_FALSE(ParseDirTree(SerializeDirTree(t)).ok());
  t.files = {{"a", {}}};
  t.dirs = {{"a", {}, {}}};
  EXPECT_FALSE(ParseDirTree(SerializeDirTree(t)).ok());
  t.dirs = {{"b", {}, {}}};
  EXPECT_TRUE(ParseDirTree(SerializeDirTree(t)).ok());
}

TEST(Objects, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidFileName("a/b"));
  EXPECT_TRUE(IsValidFileName("with space"));
}

}  // namespace
}  // namespace ocitree
