// TarReader on hostile and broken archives: every failure is a clear Status
// naming the offset (and entry when known), never a crash or a huge buffer.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "tar/tar_reader.h"
#include "tar/tar_test_util.h"

namespace ocitree::tar {
namespace {

using testing::HeaderSpec;
using testing::NumberEncoding;
using testing::Parsed;
using testing::PaxRecord;
using testing::ReadAll;
using testing::TarBuilder;

HeaderSpec Spec(std::string name, char typeflag = '0') {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = typeflag;
  return h;
}

void ExpectError(const Bytes& tar, ErrorCode code, std::initializer_list<std::string> parts,
                 Limits limits = {}) {
  Parsed p = ReadAll(tar, limits);
  ASSERT_FALSE(p.status.ok()) << "archive was accepted";
  EXPECT_EQ(p.status.code(), code) << p.status.message();
  for (const std::string& part : parts) {
    EXPECT_NE(p.status.message().find(part), std::string::npos)
        << "\"" << part << "\" not in: " << p.status.message();
  }
}

// A PAX header with the given raw data followed by a plain file.
Bytes WithPax(std::string_view data, char typeflag = 'x') {
  return TarBuilder().Pax(data, typeflag).File("victim", "v").Finish();
}

TEST(TarReaderErrorTest, BadChecksumNamesOffsetAndEntry) {
  Bytes tar = TarBuilder().File("first", "1").File("second", "2").Finish();
  tar[1024 + kUidField.offset] ^= 1;
  ExpectError(tar, ErrorCode::kCorrupt, {"offset 1024", "entry \"second\"", "checksum"});
}

TEST(TarReaderErrorTest, GarbageInsteadOfHeader) {
  Bytes tar(2048, 'A');
  ExpectError(tar, ErrorCode::kCorrupt, {"offset 0", "checksum"});
}

TEST(TarReaderErrorTest, MalformedOctal) {
  Bytes header = testing::MakeHeader(Spec("oct"));
  std::memcpy(header.data() + kModeField.offset, "0644x\0\0", 8);
  testing::SetChecksum(header.data());
  ExpectError(TarBuilder().Raw(header).Finish(), ErrorCode::kCorrupt,
              {"offset 0", "entry \"oct\"", "malformed mode field"});
  header = testing::MakeHeader(Spec("oct"));
  std::memcpy(header.data() + kSizeField.offset, "00 0001\0\0\0\0\0", 12);  // inner blank
  testing::SetChecksum(header.data());
  ExpectError(TarBuilder().Raw(header).Finish(), ErrorCode::kCorrupt, {"malformed size field"});
}

TEST(TarReaderErrorTest, NegativeAndHugeNumbers) {
  HeaderSpec h = Spec("neg");
  h.size = -5;
  h.size_encoding = NumberEncoding::kBase256;
  ExpectError(TarBuilder().Add(h, {}, 0, true).Finish(), ErrorCode::kCorrupt,
              {"size -5 is out of range"});
  h = Spec("bigid");
  h.uid = int64_t{1} << 32;
  h.id_encoding = NumberEncoding::kBase256;
  ExpectError(TarBuilder().Add(h).Finish(), ErrorCode::kCorrupt, {"uid 4294967296 is out of range"});
  Bytes header = testing::MakeHeader(Spec("overflow"));
  std::memset(header.data() + kSizeField.offset, 0x7f, kSizeField.size);  // 95 bits
  header[kSizeField.offset] = 0x80;
  testing::SetChecksum(header.data());
  ExpectError(TarBuilder().Raw(header).Finish(), ErrorCode::kCorrupt, {"malformed size field"});
}

TEST(TarReaderErrorTest, SizeAboveLimit) {
  Limits limits;
  limits.max_entry_size = 1000;
  HeaderSpec h = Spec("big");
  h.size = 2000;
  ExpectError(TarBuilder().Add(h, {}, 0, true).Finish(), ErrorCode::kCorrupt,
              {"entry \"big\"", "size 2000 exceeds the limit of 1000"}, limits);
  ExpectError(WithPax(PaxRecord("size", "99999999999999999999")), ErrorCode::kCorrupt,
              {"PAX record 'size'", "out of range"});
}

TEST(TarReaderErrorTest, MalformedPaxRecords) {
  struct Case {
    std::string data;
    std::string expect;
  };
  const Case cases[] = {
      {"x2 path=abc\n", "does not start with a length"},
      {"12path=abc\n", "not followed by a space"},
      {"99 path=abc\n", "runs past the header data"},
      {"12 path=abcd", "does not end with a newline"},
      {"12 pathxabc\n", "has no '='"},
      {"12 =pathabc\n", "empty keyword"},
      {"3 a\n", "too small"},
      {"0 \n", "too small"},
      {"1234567890123456789 a=b\n", "too long"},
      {PaxRecord("path", "ok") + std::string(3, '\0'), "does not start with a length"},
      {PaxRecord("path", std::string("a\0b", 3)), "NUL"},
      {PaxRecord(std::string("k\0y", 3), "v"), "NUL"},
      {PaxRecord("uid", "-1"), "not a decimal number"},
      {PaxRecord("gid", "4294967296"), "out of range"},
      {PaxRecord("mtime", "12:00"), "not a time"},
      {PaxRecord("SCHILY.xattr.", "v"), "empty name"},
      {PaxRecord("LIBARCHIVE.xattr.user.x", "!!!!"), "base64"},
      {PaxRecord("LIBARCHIVE.xattr.user%2", "YQ"), "escape"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expect);
    ExpectError(WithPax(c.data), ErrorCode::kCorrupt, {c.expect, "offset 0"});
  }
}

TEST(TarReaderErrorTest, PaxLargerThanLimit) {
  Limits limits;
  limits.max_pax_size = 100;
  ExpectError(WithPax(PaxRecord("comment", std::string(200, 'c'))), ErrorCode::kCorrupt,
              {"PAX extended header", "exceeds the limit of 100"}, limits);
  ExpectError(WithPax(PaxRecord("comment", std::string(200, 'c')), 'g'), ErrorCode::kCorrupt,
              {"PAX global header", "exceeds the limit of 100"}, limits);
  // Many small global headers may not add up past the limit either.
  TarBuilder b;
  for (int i = 0; i < 10; ++i) b.Pax(PaxRecord("k" + std::to_string(i), std::string(20, 'v')), 'g');
  ExpectError(b.File("f", "").Finish(), ErrorCode::kCorrupt, {"global records exceed 100"}, limits);
}

TEST(TarReaderErrorTest, TooManyMetadataHeaders) {
  Limits limits;
  limits.max_header_bytes = 8192;
  TarBuilder b;
  for (int i = 0; i < 20; ++i) b.Pax(PaxRecord("comment", "again"));
  ExpectError(b.File("f", "").Finish(), ErrorCode::kCorrupt,
              {"metadata headers of one entry exceed 8192 bytes"}, limits);
}

TEST(TarReaderErrorTest, NamesLongerThanLimit) {
  Limits limits;
  limits.max_name_length = 1000;
  ExpectError(WithPax(PaxRecord("path", std::string(1001, 'p'))), ErrorCode::kCorrupt,
              {"path of 1001 bytes exceeds the limit of 1000"}, limits);
  ExpectError(WithPax(PaxRecord("linkpath", std::string(1001, 'p'))), ErrorCode::kCorrupt,
              {"link target of 1001 bytes"}, limits);
  ExpectError(TarBuilder().GnuLong('L', std::string(1001, 'l')).File("f", "").Finish(),
              ErrorCode::kCorrupt, {"GNU long name header", "exceeds the limit of 1001"},
              limits);
}

TEST(TarReaderErrorTest, Truncations) {
  Bytes good = TarBuilder().File("a", "1").File("content", std::string(1000, 'c')).Finish();
  Bytes tar(good.begin(), good.begin() + 1024 + 100);
  ExpectError(tar, ErrorCode::kCorrupt, {"offset 1024", "truncated", "100 bytes into a header"});
  tar.assign(good.begin(), good.begin() + 1536 + 100);
  ExpectError(tar, ErrorCode::kCorrupt,
              {"entry \"content\"", "truncated: archive ends after 100 of 1000 content bytes"});
  tar.assign(good.begin(), good.begin() + 1536 + 1000 + 5);
  ExpectError(tar, ErrorCode::kCorrupt, {"entry \"content\"", "inside the padding"});
  Bytes pax = WithPax(PaxRecord("comment", std::string(600, 'c')));
  tar.assign(pax.begin(), pax.begin() + 700);
  ExpectError(tar, ErrorCode::kCorrupt, {"PAX extended header", "truncated"});
}

TEST(TarReaderErrorTest, TruncatedWhileSkippingContent) {
  Bytes good = TarBuilder().File("content", std::string(100000, 'c')).Finish();
  Bytes tar(good.begin(), good.begin() + 50000);
  MemoryReader in(tar);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  auto more = reader.Next(&e);
  ASSERT_FALSE(more.ok());
  EXPECT_NE(more.status().message().find("truncated"), std::string::npos);
}

TEST(TarReaderErrorTest, DanglingMetadataHeaders) {
  Bytes tar = TarBuilder().File("a", "").GnuLong('L', "orphan").Finish();
  ExpectError(tar, ErrorCode::kCorrupt, {"offset 512", "not followed by an entry"});
  ExpectError(TarBuilder().GnuLong('K', "orphan").bytes(), ErrorCode::kCorrupt,
              {"archive ends after a metadata header"});
  ExpectError(TarBuilder().Pax(PaxRecord("path", "p")).Finish(), ErrorCode::kCorrupt,
              {"not followed by an entry"});
}

TEST(TarReaderErrorTest, BadEndOfArchive) {
  Bytes tar = TarBuilder().File("a", "").Finish(1);
  Bytes hidden = TarBuilder().File("hidden", "").bytes();
  tar.insert(tar.end(), hidden.begin(), hidden.end());
  ExpectError(tar, ErrorCode::kCorrupt, {"offset 1024", "zero block is followed by a non-zero"});
  tar = TarBuilder().File("a", "").Finish(1);
  tar.resize(tar.size() + 100, 0);
  ExpectError(tar, ErrorCode::kCorrupt, {"inside the end-of-archive marker"});
}

TEST(TarReaderErrorTest, TrailerLimit) {
  Limits limits;
  limits.max_trailer_bytes = 4096;
  Bytes tar = TarBuilder().File("a", "").Finish(2);
  tar.resize(tar.size() + 4096, 'g');
  Parsed p = ReadAll(tar, limits);
  ASSERT_TRUE(p.status.ok()) << p.status.message();
  EXPECT_EQ(p.rebuilt, tar);
  tar.push_back('!');
  ExpectError(tar, ErrorCode::kCorrupt, {"more than 4096 bytes after the end-of-archive"}, limits);
}

TEST(TarReaderErrorTest, UnsupportedTypeflags) {
  for (char t : {'S', 'V', 'M', 'D', 'N', 'X', 'A', '8', '\x01'}) {
    SCOPED_TRACE(t);
    ExpectError(TarBuilder().Add(Spec("odd", t)).Finish(), ErrorCode::kUnsupported,
                {"offset 0", "entry \"odd\"", "typeflag", "not supported"});
  }
  ExpectError(TarBuilder().Add(Spec("sparse", 'S')).Finish(), ErrorCode::kUnsupported,
              {"GNU sparse file"});
  ExpectError(WithPax(PaxRecord("GNU.sparse.major", "1")), ErrorCode::kUnsupported,
              {"sparse files are not supported"});
}

TEST(TarReaderErrorTest, GlobalStructuralKeywordsRefused) {
  for (const char* key : {"path", "linkpath", "size"}) {
    ExpectError(WithPax(PaxRecord(key, "1"), 'g'), ErrorCode::kUnsupported,
                {"PAX global header", std::string("global record '") + key + "'"});
  }
}

TEST(TarReaderErrorTest, ErrorsAreSticky) {
  Bytes tar = TarBuilder().File("a", "1").File("b", "2").Finish();
  tar[512 * 2 + 10] ^= 1;
  MemoryReader in(tar);
  TarReader reader(in);
  Entry e;
  ASSERT_TRUE(*reader.Next(&e));
  auto first = reader.Next(&e);
  ASSERT_FALSE(first.ok());
  auto again = reader.Next(&e);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), first.status().message());
  uint8_t buf[4];
  EXPECT_EQ(reader.ReadContent(buf).status().message(), first.status().message());
}

TEST(TarReaderErrorTest, NamesInMessagesAreEscaped) {
  Bytes tar = TarBuilder().Add(Spec("bad\x01name\"", 'S')).Finish();
  ExpectError(tar, ErrorCode::kUnsupported, {"entry \"bad\\x01name\\x22\""});
}

}  // namespace
}  // namespace ocitree::tar
