// TarReader on well-formed archives built in memory: fields, every format
// extension, and the raw_header + content + padding + trailer == input rule.
#include "tar/tar_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "tar/pax.h"
#include "tar/tar_test_util.h"

namespace ocitree::tar {
namespace {

using testing::ChunkyReader;
using testing::HeaderSpec;
using testing::Magic;
using testing::NumberEncoding;
using testing::Parsed;
using testing::PaxRecord;
using testing::ReadAll;
using testing::TarBuilder;

// Reads `tar` and checks the rebuild property; returns the parse.
Parsed ReadOk(const Bytes& tar, Limits limits = {}) {
  Parsed p = ReadAll(tar, limits);
  EXPECT_TRUE(p.status.ok()) << p.status.message();
  EXPECT_EQ(p.rebuilt, tar) << "rebuilt archive differs from the input";
  return p;
}

HeaderSpec Spec(std::string name, char typeflag = '0') {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = typeflag;
  return h;
}

TEST(TarReaderTest, EmptyArchiveIsTwoZeroBlocks) {
  Bytes tar = TarBuilder().Finish();
  Parsed p = ReadOk(tar);
  EXPECT_TRUE(p.entries.empty());
  EXPECT_EQ(p.trailer.size(), 1024u);
  EXPECT_FALSE(p.missing_end_marker);
}

TEST(TarReaderTest, RegularFileFields) {
  HeaderSpec h = Spec("dir/hello.txt");
  h.mode = 0100755;  // type bits in mode, as some writers do
  h.uid = 123;
  h.gid = 456;
  h.mtime = 1234567890;
  h.uname = "alice";
  h.gname = "staff";
  Bytes tar = TarBuilder().Add(h, "hello, world\n").Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  const Entry& e = p.entries[0];
  EXPECT_EQ(e.path, "dir/hello.txt");
  EXPECT_EQ(e.type, EntryType::kRegular);
  EXPECT_EQ(e.mode, 0755u);
  EXPECT_EQ(e.uid, 123u);
  EXPECT_EQ(e.gid, 456u);
  EXPECT_EQ(e.size, 13u);
  EXPECT_EQ(e.mtime, 1234567890);
  EXPECT_EQ(e.uname, "alice");
  EXPECT_EQ(e.gname, "staff");
  EXPECT_TRUE(e.xattrs.empty());
  EXPECT_TRUE(e.pax_records.empty());
  EXPECT_EQ(p.contents[0], "hello, world\n");
}

TEST(TarReaderTest, AllEntryTypes) {
  HeaderSpec dev = Spec("dev/null", '3');
  dev.devmajor = 1;
  dev.devminor = 3;
  HeaderSpec blk = Spec("dev/sda", '4');
  blk.devmajor = 8;
  blk.devminor = 0;
  HeaderSpec link = Spec("link", '1');
  link.linkname = "file0";
  HeaderSpec sym = Spec("sym", '2');
  sym.linkname = "../target";
  Bytes tar = TarBuilder()
                  .Add(Spec("file0", '0'), "zero")
                  .Add(Spec("fileA", '\0'), "nul type")
                  .Add(Spec("file7", '7'), "contiguous")
                  .Add(Spec("empty"))
                  .Add(Spec("dir/", '5'))
                  .Add(link)
                  .Add(sym)
                  .Add(dev)
                  .Add(blk)
                  .Add(Spec("fifo", '6'))
                  .Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 10u);
  const EntryType want[] = {EntryType::kRegular,    EntryType::kRegular,     EntryType::kRegular,
                            EntryType::kRegular,    EntryType::kDirectory,   EntryType::kHardlink,
                            EntryType::kSymlink,    EntryType::kCharDevice,  EntryType::kBlockDevice,
                            EntryType::kFifo};
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(p.entries[i].type, want[i]) << i;
  EXPECT_EQ(p.contents[1], "nul type");
  EXPECT_EQ(p.entries[3].size, 0u);
  EXPECT_EQ(p.entries[5].link_target, "file0");
  EXPECT_EQ(p.entries[6].link_target, "../target");
  EXPECT_EQ(p.entries[7].dev_major, 1u);
  EXPECT_EQ(p.entries[7].dev_minor, 3u);
  EXPECT_EQ(p.entries[8].dev_major, 8u);
}

TEST(TarReaderTest, OldV7DirectoryByTrailingSlash) {
  HeaderSpec d = Spec("olddir/", '\0');
  d.magic = Magic::kV7;
  HeaderSpec f = Spec("olddir/f", '\0');
  f.magic = Magic::kV7;
  f.uname = "ignored";  // V7 has no uname; MakeHeader does not write it
  Bytes tar = TarBuilder().Add(d).Add(f, "x").Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].type, EntryType::kDirectory);
  EXPECT_EQ(p.entries[1].type, EntryType::kRegular);
  EXPECT_EQ(p.entries[1].uname, "");
}

TEST(TarReaderTest, HeaderOnlyTypesNeverHaveContent) {
  // Like Go's archive/tar: a size on a hardlink or directory is not data.
  HeaderSpec link = Spec("link", '1');
  link.linkname = "a";
  link.size = 1000;
  HeaderSpec dir = Spec("d/", '5');
  dir.size = 512;
  Bytes tar = TarBuilder().Add(link, {}, 0, true).Add(dir, {}, 0, true).File("a", "A").Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0].size, 0u);
  EXPECT_EQ(p.entries[1].size, 0u);
  EXPECT_EQ(p.contents[2], "A");
}

TEST(TarReaderTest, UstarPrefixIsJoined) {
  HeaderSpec h = Spec(std::string(100, 'n'));  // fills the field: no NUL
  h.prefix = std::string(155, 'p');
  Bytes tar = TarBuilder().Add(h, "data").Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].path, std::string(155, 'p') + "/" + std::string(100, 'n'));
}

TEST(TarReaderTest, GnuHeaderIgnoresPrefixArea) {
  HeaderSpec h = Spec("gnufile");
  h.magic = Magic::kGnu;
  Bytes header = testing::MakeHeader(h);
  // GNU keeps atime/ctime where ustar has the prefix.
  testing::PutOctal(header.data(), Field{345, 12}, 1700000001);
  testing::SetChecksum(header.data());
  Bytes tar = TarBuilder().Raw(header).Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].path, "gnufile");
}

TEST(TarReaderTest, StarPrefixIsShorter) {
  HeaderSpec h = Spec("name");
  h.prefix = "pre";
  Bytes header = testing::MakeHeader(h);
  std::memcpy(header.data() + 476, "\x01\x02", 2);  // star's atime, not prefix
  std::memcpy(header.data() + kStarTrailerField.offset, "tar\0", 4);
  testing::SetChecksum(header.data());
  Parsed p = ReadOk(TarBuilder().Raw(header).Finish());
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].path, "pre/name");
}

TEST(TarReaderTest, EmptyInputIsAnEmptyArchive) {
  Parsed p = ReadOk(Bytes{});
  EXPECT_TRUE(p.entries.empty());
  EXPECT_TRUE(p.missing_end_marker);
}

TEST(TarReaderTest, GnuLongNameAndLongLink) {
  // 502 bytes, no component over NAME_MAX.
  const std::string long_name = std::string(200, 'a') + "/" + std::string(99, 'a') + "/" + std::string(200, 'b');
  const std::string long_link = "/" + std::string(400, 'c');
  HeaderSpec sym = Spec(long_name.substr(0, 100), '2');
  sym.magic = Magic::kGnu;
  sym.linkname = long_link.substr(0, 100);
  Bytes tar = TarBuilder()
                  .GnuLong('L', long_name)
                  .GnuLong('K', long_link)
                  .Add(sym)
                  .File("after", "short name is not affected")
                  .Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].path, long_name);
  EXPECT_EQ(p.entries[0].link_target, long_link);
  EXPECT_EQ(p.entries[1].path, "after");
  EXPECT_EQ(p.entries[1].link_target, "");
}

TEST(TarReaderTest, RawHeaderCoversMetadataHeaders) {
  TarBuilder meta;
  meta.Pax(PaxRecord("path", "from/pax")).GnuLong('K', "target").Add(Spec("short", '2'));
  Bytes tar = TarBuilder().File("first", "1").Raw(meta.bytes()).Finish();
  MemoryReader in(tar);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  EXPECT_EQ(reader.raw_header().size(), 512u);
  ASSERT_TRUE(*reader.Next(&e));  // skips "first"'s content and padding
  EXPECT_EQ(Bytes(reader.raw_header().begin(), reader.raw_header().end()), meta.bytes());
  EXPECT_EQ(e.path, "from/pax");
  EXPECT_EQ(e.link_target, "target");
  EXPECT_EQ(reader.offset(), 1024u + meta.bytes().size());
  EXPECT_FALSE(*reader.Next(&e));
}

TEST(TarReaderTest, PaxOverridesEveryField) {
  std::string records = PaxRecord("path", "pax/path/" + std::string(150, 'x') + "/" + std::string(149, 'x')) +
                        PaxRecord("linkpath", "pax/link") + PaxRecord("uid", "4294967295") +
                        PaxRecord("gid", "70000") + PaxRecord("mtime", "1700000000.123456789") +
                        PaxRecord("uname", "pax-user") + PaxRecord("gname", "pax-group") +
                        PaxRecord("atime", "1.5") + PaxRecord("comment", "hello");
  HeaderSpec h = Spec("short", '2');
  h.linkname = "shortlink";
  Bytes tar = TarBuilder().Pax(records).Add(h).Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  const Entry& e = p.entries[0];
  EXPECT_EQ(e.path, "pax/path/" + std::string(150, 'x') + "/" + std::string(149, 'x'));
  EXPECT_EQ(e.link_target, "pax/link");
  EXPECT_EQ(e.uid, 4294967295u);
  EXPECT_EQ(e.gid, 70000u);
  EXPECT_EQ(e.mtime, 1700000000);
  EXPECT_EQ(e.mtime_nsec, 123456789u);
  EXPECT_EQ(e.uname, "pax-user");
  EXPECT_EQ(e.gname, "pax-group");
  EXPECT_EQ(e.pax_records.size(), 9u);
  EXPECT_EQ(e.pax_records.at("comment"), "hello");
}

TEST(TarReaderTest, PaxSizeOverridesHeaderSize) {
  const std::string content(9000, 'z');
  HeaderSpec h = Spec("big");
  h.size = 0;  // writers put 0 (or anything) when the size does not fit
  Bytes tar = TarBuilder().Pax(PaxRecord("size", "9000")).Add(h, {}, 0, true).Raw(AsBytes(content))
                  .Raw(Bytes(PaddingFor(9000), 0)).Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].size, 9000u);
  EXPECT_EQ(p.contents[0], content);
}

TEST(TarReaderTest, PaxXattrsInArchiveOrder) {
  std::string binary("\x00\x01\xff=\n", 5);
  std::string records = PaxRecord("SCHILY.xattr.user.b", "2") +
                        PaxRecord("SCHILY.xattr.security.capability", binary) +
                        PaxRecord("SCHILY.xattr.user.a", "") +
                        // libarchive's spelling: URL-escaped name, base64 value
                        PaxRecord("LIBARCHIVE.xattr.user.sp%20ace", "aGVsbG8") +
                        PaxRecord("LIBARCHIVE.xattr.user.b", "Mw==");
  Bytes tar = TarBuilder().Pax(records).File("f", "").Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  using X = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p.entries[0].xattrs, (X{{"user.b", "3"},
                                    {"security.capability", binary},
                                    {"user.a", ""},
                                    {"user.sp ace", "hello"}}));
}

TEST(TarReaderTest, PaxGlobalHeadersApplyToLaterEntries) {
  Bytes tar = TarBuilder()
                  .File("before", "")
                  .Pax(PaxRecord("uid", "77") + PaxRecord("SCHILY.xattr.user.g", "global"), 'g')
                  .File("one", "")
                  .Pax(PaxRecord("uid", "88") + PaxRecord("SCHILY.xattr.user.l", "local"))
                  .File("two", "")
                  .Pax(PaxRecord("uid", ""))  // empty: back to the header's uid
                  .File("three", "")
                  .Pax(PaxRecord("uid", ""), 'g')
                  .File("four", "")
                  .Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 5u);
  EXPECT_EQ(p.entries[0].uid, 1000u);
  EXPECT_EQ(p.entries[1].uid, 77u);
  EXPECT_EQ(p.entries[2].uid, 88u);
  EXPECT_EQ(p.entries[3].uid, 1000u);
  EXPECT_EQ(p.entries[3].pax_records.at("uid"), "");
  EXPECT_EQ(p.entries[4].uid, 1000u);
  using X = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p.entries[2].xattrs, (X{{"user.g", "global"}, {"user.l", "local"}}));
  EXPECT_EQ(p.entries[4].xattrs, (X{{"user.g", "global"}}));
}

TEST(TarReaderTest, GlobalHeaderBeforeEndGoesToTrailer) {
  TarBuilder b;
  b.File("f", "x").Pax(PaxRecord("comment", "bye"), 'g');
  Bytes tar = b.Finish();
  Parsed p = ReadOk(tar);
  EXPECT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.trailer.size(), 512u * 2 + 1024u);
}

TEST(TarReaderTest, Base256Numbers) {
  HeaderSpec h = Spec("b256");
  h.uid = 3000000000;  // > 07777777 does not fit 7 octal digits
  h.gid = 2097152;
  h.id_encoding = NumberEncoding::kBase256;
  h.mtime = -1234567;
  h.time_encoding = NumberEncoding::kBase256;
  h.size_encoding = NumberEncoding::kBase256;
  Bytes tar = TarBuilder().Add(h, std::string(700, 'q')).Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].uid, 3000000000u);
  EXPECT_EQ(p.entries[0].gid, 2097152u);
  EXPECT_EQ(p.entries[0].mtime, -1234567);
  EXPECT_EQ(p.entries[0].size, 700u);
}

TEST(TarReaderTest, NumbersWithSpacesAndNulsAndSignedChecksum) {
  HeaderSpec h = Spec("\xe9t\xe9");  // high bytes make signed != unsigned sum
  h.signed_checksum = true;
  Bytes header = testing::MakeHeader(h);
  std::memcpy(header.data() + kModeField.offset, " 644 \0\0\0", 8);
  std::memcpy(header.data() + kUidField.offset, "\0\0\0\0\0\0\0\0", 8);  // blank means 0
  testing::SetChecksum(header.data(), /*signed_sum=*/true);
  Bytes tar = TarBuilder().Raw(header).Finish();
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].mode, 0644u);
  EXPECT_EQ(p.entries[0].uid, 0u);
}

TEST(TarReaderTest, NonZeroPaddingAndTrailerGarbageArePreserved) {
  TarBuilder b;
  b.Add(Spec("a"), "abc", 0xAA).Add(Spec("b"), std::string(512, 'b'), 0xBB);
  Bytes tar = b.Finish(2, 10240);
  tar.insert(tar.end(), {'j', 'u', 'n', 'k'});
  Parsed p = ReadOk(tar);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.trailer.size(), 10240u - 4 * 512 + 4);
}

TEST(TarReaderTest, PaddingAvailableAfterContent) {
  Bytes tar = TarBuilder().Add(Spec("a"), "abc", 0x55).Finish();
  MemoryReader in(tar);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  EXPECT_TRUE(reader.padding().empty());
  EXPECT_EQ(reader.content_remaining(), 3u);
  uint8_t buf[2];
  EXPECT_EQ(*reader.ReadContent(buf), 2u);
  EXPECT_TRUE(reader.padding().empty());
  EXPECT_EQ(*reader.ReadContent(buf), 1u);
  EXPECT_EQ(reader.content_remaining(), 0u);
  ASSERT_EQ(reader.padding().size(), 509u);
  EXPECT_EQ(reader.padding()[0], 0x55);
  EXPECT_EQ(*reader.ReadContent(buf), 0u);
  EXPECT_FALSE(*reader.Next(&e));
  EXPECT_EQ(reader.offset(), tar.size());
  EXPECT_EQ(reader.ReadContent(buf).status().code(), ErrorCode::kInvalidArgument);
}

TEST(TarReaderTest, ContentAsByteReader) {
  const std::string data(200000, 'c');
  Bytes tar = TarBuilder().File("f", data).File("g", "tail").Finish();
  MemoryReader in(tar);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  std::string got(data.size() + 10, '\0');
  auto n = ReadFull(reader.content(), {reinterpret_cast<uint8_t*>(got.data()), got.size()});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, data.size());
  got.resize(*n);
  EXPECT_EQ(got, data);
  ASSERT_TRUE(*reader.Next(&e));
  EXPECT_EQ(e.path, "g");
}

TEST(TarReaderTest, MissingEndMarkerAccepted) {
  Bytes tar = TarBuilder().File("f", "x").bytes();
  Parsed p = ReadOk(tar);
  EXPECT_EQ(p.entries.size(), 1u);
  EXPECT_TRUE(p.missing_end_marker);
  EXPECT_TRUE(p.trailer.empty());
}

TEST(TarReaderTest, SingleZeroBlockThenEofAccepted) {
  Bytes tar = TarBuilder().File("f", "x").Finish(1);
  Parsed p = ReadOk(tar);
  EXPECT_EQ(p.entries.size(), 1u);
  EXPECT_FALSE(p.missing_end_marker);
  EXPECT_EQ(p.trailer.size(), 512u);
}

TEST(TarReaderTest, TinyUnderlyingReadsGiveSameResult) {
  TarBuilder b;
  b.Pax(PaxRecord("path", std::string(250, 'P') + "/" + std::string(249, 'P') + "/" + std::string(250, 'P') + "/" +
                             std::string(248, 'P')))  // 1000 bytes, components within NAME_MAX
      .File("x", std::string(70000, 'x'))
      .GnuLong('L', std::string(200, 'L') + "/" + std::string(199, 'L') + "/" + std::string(199, 'L'))
      .File("short", "yy")
      .File("empty", "");
  Bytes tar = b.Finish(2, 10240);
  Parsed want = ReadOk(tar);
  for (size_t chunk : {1u, 7u, 511u, 512u, 513u, 4096u, 20000u}) {
    for (size_t read_size : {1u, 100u, 16384u, 100000u}) {
      ChunkyReader in(tar, chunk);
      Parsed p = ReadAll(in, {}, read_size);
      ASSERT_TRUE(p.status.ok()) << p.status.message();
      EXPECT_EQ(p.rebuilt, tar) << chunk << "/" << read_size;
      EXPECT_EQ(p.contents, want.contents);
    }
  }
}

TEST(TarPaxTest, RecordLengthsAreSelfConsistent) {
  for (size_t n : {0u, 1u, 5u, 89u, 90u, 91u, 994u, 995u, 996u, 9990u}) {
    std::string rec = PaxRecord("k", std::string(n, 'v'));
    PaxRecordSet set;
    ASSERT_TRUE(ParsePaxData(rec, &set).ok()) << n;
    ASSERT_EQ(set.records().size(), 1u);
    EXPECT_EQ(set.records()[0].second.size(), n);
  }
}

TEST(TarPaxTest, TimeParsing) {
  auto t = ParsePaxTime("-1.5");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->seconds, -2);
  EXPECT_EQ(t->nanoseconds, 500000000u);
  t = ParsePaxTime("12.0000000019");  // beyond nanoseconds: truncated
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->seconds, 12);
  EXPECT_EQ(t->nanoseconds, 1u);
  t = ParsePaxTime("-3");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->seconds, -3);
  EXPECT_EQ(t->nanoseconds, 0u);
  EXPECT_FALSE(ParsePaxTime("").ok());
  EXPECT_FALSE(ParsePaxTime(".5").ok());
  EXPECT_FALSE(ParsePaxTime("1e9").ok());
  EXPECT_FALSE(ParsePaxTime("1.5x").ok());
  EXPECT_FALSE(ParsePaxTime("99999999999999999999").ok());
}

TEST(TarPaxTest, Base64AndUrlDecoding) {
  EXPECT_EQ(*DecodeBase64(""), "");
  EXPECT_EQ(*DecodeBase64("YQ"), "a");
  EXPECT_EQ(*DecodeBase64("YQ=="), "a");
  EXPECT_EQ(*DecodeBase64("YWJj"), "abc");
  EXPECT_FALSE(DecodeBase64("Y").ok());
  EXPECT_FALSE(DecodeBase64("Y!==").ok());
  EXPECT_EQ(*DecodeUrlEscapes("a%3Db%25"), "a=b%");
  EXPECT_FALSE(DecodeUrlEscapes("%4").ok());
  EXPECT_FALSE(DecodeUrlEscapes("%zz").ok());
}

}  // namespace
}  // namespace ocitree::tar
