// The per-entry limits of TarReader (docs/ARCHITECTURE.md, "Limits"): each
// default is accepted at its value and refused one past it, with an error
// naming the limit, its value and the entry.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "base/base64.h"
#include "tar/tar_reader.h"
#include "tar/tar_test_util.h"

namespace ocitree::tar {
namespace {

using testing::Parsed;
using testing::PaxRecord;
using testing::ReadAll;
using testing::TarBuilder;

// An archive of one file whose PAX header holds `records`.
Bytes FileWithPax(const std::string& records, const std::string& content = "v") {
  return TarBuilder().Pax(records).File("victim", content).Finish();
}
Bytes FileAt(const std::string& path) { return FileWithPax(PaxRecord("path", path)); }

// A path of exactly `size` bytes made of components of at most 200 bytes.
std::string PathOfSize(size_t size) {
  std::string p;
  while (p.size() < size) {
    if (!p.empty()) p += '/';
    p += std::string(std::min<size_t>(200, size - p.size()), 'd');
  }
  return p;
}

std::string Nested(size_t depth) {
  std::string p;
  for (size_t i = 0; i < depth; ++i) p += (i ? "/d" : "d");
  return p;
}

void ExpectOk(const Bytes& tar, Limits limits = {}) {
  Parsed p = ReadAll(tar, limits);
  EXPECT_TRUE(p.status.ok()) << p.status.message();
}

void ExpectLimit(const Bytes& tar, std::initializer_list<std::string> parts, Limits limits = {}) {
  Parsed p = ReadAll(tar, limits);
  ASSERT_FALSE(p.status.ok()) << "archive was accepted";
  EXPECT_EQ(p.status.code(), ErrorCode::kUnsupported) << p.status.message();
  EXPECT_NE(p.status.message().find("tar: offset "), std::string::npos) << p.status.message();
  for (const std::string& part : parts) {
    EXPECT_NE(p.status.message().find(part), std::string::npos)
        << "\"" << part << "\" not in: " << p.status.message();
  }
}

TEST(TarLimitsTest, DefaultsAreTheDocumentedOnes) {
  const Limits l;
  EXPECT_EQ(l.max_path_length, 4095u);
  EXPECT_EQ(l.max_component_length, 255u);
  EXPECT_EQ(l.max_path_depth, 256u);
  EXPECT_EQ(l.max_xattr_name_length, 255u);
  EXPECT_EQ(l.max_xattr_value_size, 65536u);
  EXPECT_EQ(l.max_xattr_total_size, 65536u);
  EXPECT_EQ(l.max_entries, 10000000u);
  EXPECT_EQ(l.max_name_length, 65536u);
}

TEST(TarLimitsTest, PathLength) {
  ExpectOk(FileAt(PathOfSize(4095)));
  ExpectLimit(FileAt(PathOfSize(4096)),
              {"path of 4096 bytes exceeds the path length limit of 4095", "entry \"ddd"});
  ExpectLimit(FileAt(PathOfSize(5000)), {"path of 5000 bytes exceeds the path length limit of 4095"});
}

TEST(TarLimitsTest, LinkTargetLength) {
  ExpectOk(FileWithPax(PaxRecord("linkpath", std::string(4095, 't'))));
  testing::HeaderSpec sym;
  sym.name = "link";
  sym.typeflag = '2';
  ExpectOk(TarBuilder().Pax(PaxRecord("linkpath", std::string(4095, 't'))).Add(sym).Finish());
  ExpectLimit(TarBuilder().Pax(PaxRecord("linkpath", std::string(4096, 't'))).Add(sym).Finish(),
              {"entry \"link\"", "link target of 4096 bytes exceeds the path length limit of 4095"});
}

TEST(TarLimitsTest, ComponentLength) {
  ExpectOk(FileAt("dir/" + std::string(255, 'n')));
  ExpectOk(FileAt(std::string(255, 'n') + "/file"));
  ExpectLimit(FileAt("dir/" + std::string(256, 'n')),
              {"path component of 256 bytes exceeds the component length limit of 255"});
  ExpectLimit(FileAt(std::string(300, 'n') + "/file"),
              {"path component of 300 bytes exceeds the component length limit of 255"});
  // A whiteout names a file of up to NAME_MAX bytes.
  ExpectOk(FileAt("dir/.wh." + std::string(255, 'n')));
  ExpectLimit(FileAt("dir/.wh." + std::string(256, 'n')),
              {"path component of 260 bytes exceeds the component length limit of 259"});
  // Only as the last component.
  ExpectLimit(FileAt(".wh." + std::string(255, 'n') + "/file"),
              {"path component of 259 bytes exceeds the component length limit of 255"});
}

TEST(TarLimitsTest, Depth) {
  ExpectOk(FileAt(Nested(256)));
  ExpectOk(FileAt("./" + Nested(256) + "/"));  // "." and "" do not count
  ExpectOk(FileAt(Nested(128) + "//" + Nested(128)));
  ExpectLimit(FileAt(Nested(257)), {"path is deeper than the depth limit of 256 components"});
  ExpectLimit(FileAt(Nested(300)), {"deeper than the depth limit of 256"});
}

TEST(TarLimitsTest, XattrValueSize) {
  const std::string at_limit(65536 - 20, 'x');  // name + value stay within the total
  ExpectOk(FileWithPax(PaxRecord("SCHILY.xattr.user.v", at_limit)));
  Limits roomy;
  roomy.max_xattr_total_size = 1 << 20;
  ExpectOk(FileWithPax(PaxRecord("SCHILY.xattr.user.v", std::string(65536, 'x'))), roomy);
  ExpectLimit(FileWithPax(PaxRecord("SCHILY.xattr.user.v", std::string(65537, 'x'))),
              {"entry \"victim\"", "SCHILY.xattr.user.v",
               "xattr value of 65537 bytes exceeds the xattr value limit of 65536 (XATTR_SIZE_MAX)"},
              roomy);
  ExpectLimit(FileWithPax(PaxRecord("SCHILY.xattr.user.big", std::string(100 << 10, 'x'))),
              {"xattr value of 102400 bytes exceeds the xattr value limit of 65536"});
  // The base64 form of libarchive is measured decoded.
  const std::string big(65537, 'y');
  ExpectLimit(FileWithPax(PaxRecord("LIBARCHIVE.xattr.user.b", Base64Encode(big))),
              {"xattr value of 65537 bytes"}, roomy);
}

TEST(TarLimitsTest, XattrNameLength) {
  ExpectOk(FileWithPax(PaxRecord("SCHILY.xattr.user." + std::string(250, 'n'), "v")));
  ExpectLimit(FileWithPax(PaxRecord("SCHILY.xattr.user." + std::string(251, 'n'), "v")),
              {"xattr name of 256 bytes exceeds the xattr name limit of 255 (XATTR_NAME_MAX)"});
}

TEST(TarLimitsTest, XattrTotalPerEntry) {
  const std::string half(32000, 'x');
  ExpectOk(FileWithPax(PaxRecord("SCHILY.xattr.user.a", half) + PaxRecord("SCHILY.xattr.user.b", half)));
  ExpectLimit(FileWithPax(PaxRecord("SCHILY.xattr.user.a", half) + PaxRecord("SCHILY.xattr.user.b", half) +
                          PaxRecord("SCHILY.xattr.user.c", std::string(2000, 'x'))),
              {"entry \"victim\"", "3 xattrs of 66018 bytes (names and values) exceed the limit of 65536 bytes "
                                   "per entry"});
  // Global records count for every entry they apply to.
  ExpectLimit(TarBuilder()
                  .Pax(PaxRecord("SCHILY.xattr.user.g", std::string(40000, 'g')), 'g')
                  .Pax(PaxRecord("SCHILY.xattr.user.x", std::string(40000, 'x')))
                  .File("second", "")
                  .Finish(),
              {"entry \"second\"", "exceed the limit of 65536 bytes per entry"});
}

TEST(TarLimitsTest, EntriesPerArchive) {
  Limits limits;
  limits.max_entries = 3;
  TarBuilder three;
  three.Pax(PaxRecord("comment", "headers are not entries")).File("a", "1").File("b", "2");
  three.Pax(PaxRecord("mtime", "1")).File("c", "3");
  ExpectOk(three.Finish(), limits);
  TarBuilder four = three;
  four.File("d", "4");
  Parsed p = ReadAll(four.Finish(), limits);
  ASSERT_FALSE(p.status.ok());
  EXPECT_EQ(p.entries.size(), 3u);  // the first three were read
  EXPECT_EQ(p.status.code(), ErrorCode::kUnsupported);
  EXPECT_NE(p.status.message().find("entry \"d\": more than 3 entries: exceeds the entries-per-layer limit"),
            std::string::npos)
      << p.status.message();
}

}  // namespace
}  // namespace ocitree::tar
