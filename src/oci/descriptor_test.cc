// Descriptor fields and the JSON limits every document parser shares.
#include "oci/descriptor.h"

#include <gtest/gtest.h>

#include "oci/limits.h"
#include "oci/manifest.h"

namespace ocitree::oci {
namespace {

constexpr char kDigest[] = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

std::string Desc(std::string_view size, std::string_view extra = "") {
  return std::string(R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")") + kDigest +
         R"(","size":)" + std::string(size) + std::string(extra) + "}";
}

Result<Descriptor> Parse(std::string_view json) { return Descriptor::Parse(AsBytes(json)); }

TEST(OciDescriptorTest, AllFields) {
  Result<Descriptor> d = Parse(Desc("2", R"(,"urls":["https://example.com/blob"],)"
                                          R"("annotations":{"a":"1","b":""},"artifactType":"application/x.y",)"
                                          R"("platform":{"os":"linux","architecture":"arm64","variant":"v8"},)"
                                          R"("data":"e30=","unknown":{"nested":[1,2]})"));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->media_type, "application/vnd.oci.image.layer.v1.tar");
  EXPECT_EQ(d->digest.ToString(), kDigest);
  EXPECT_EQ(d->size, 2u);
  ASSERT_EQ(d->urls.size(), 1u);
  EXPECT_EQ(d->urls[0], "https://example.com/blob");
  EXPECT_EQ(d->Annotation("a"), "1");
  EXPECT_EQ(d->Annotation("b"), "");
  EXPECT_EQ(d->artifact_type, "application/x.y");
  ASSERT_TRUE(d->platform.has_value());
  EXPECT_EQ(d->platform->ToString(), "linux/arm64/v8");
}

TEST(OciDescriptorTest, NullMeansAbsent) {
  Result<Descriptor> d = Parse(Desc("2", R"(,"urls":null,"annotations":null,"platform":null)"));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_TRUE(d->urls.empty());
  EXPECT_TRUE(d->annotations.empty());
  EXPECT_FALSE(d->platform.has_value());
}

TEST(OciDescriptorTest, SizeMustBeANonNegativeInteger) {
  EXPECT_EQ(Parse(Desc("0"))->size, 0u);
  EXPECT_EQ(Parse(Desc("18446744073709551615"))->size, UINT64_MAX);
  const char* bad[] = {"-1", "1.5", "2.0", "1e3", "\"2\"", "true", "null", "18446744073709551616", "[]"};
  for (const char* size : bad) {
    Result<Descriptor> d = Parse(Desc(size));
    ASSERT_FALSE(d.ok()) << size;
    EXPECT_EQ(d.status().code(), ErrorCode::kCorrupt) << size;
    EXPECT_NE(d.status().message().find("size"), std::string::npos) << d.status().message();
  }
}

TEST(OciDescriptorTest, RequiredFieldsAndTypes) {
  struct Case {
    std::string json;
    ErrorCode code;
  };
  const Case cases[] = {
      {R"({"digest":")" + std::string(kDigest) + R"(","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":"a/b","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":"a/b","digest":")" + std::string(kDigest) + R"("})", ErrorCode::kCorrupt},
      {R"({"mediaType":"","digest":")" + std::string(kDigest) + R"(","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":"nonsense","digest":")" + std::string(kDigest) + R"(","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":"a/b c","digest":")" + std::string(kDigest) + R"(","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":7,"digest":")" + std::string(kDigest) + R"(","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":"a/b","digest":"sha256:abc","size":1})", ErrorCode::kCorrupt},
      {R"({"mediaType":"a/b","digest":"sha512:)" + std::string(128, 'a') + R"(","size":1})",
       ErrorCode::kUnsupported},
      {Desc("1", R"(,"urls":[1])"), ErrorCode::kCorrupt},
      {Desc("1", R"(,"urls":"x")"), ErrorCode::kCorrupt},
      {Desc("1", R"(,"annotations":{"a":1})"), ErrorCode::kCorrupt},
      {Desc("1", R"(,"annotations":[])"), ErrorCode::kCorrupt},
      {Desc("1", R"(,"platform":{"os":1})"), ErrorCode::kCorrupt},
      {Desc("1", R"(,"platform":{"os.features":"x"})"), ErrorCode::kCorrupt},
  };
  for (const Case& c : cases) {
    Result<Descriptor> d = Parse(c.json);
    ASSERT_FALSE(d.ok()) << c.json;
    EXPECT_EQ(d.status().code(), c.code) << c.json << ": " << d.status().message();
  }
}

TEST(OciJsonTest, MalformedDocuments) {
  const char* bad[] = {
      "",
      "{",
      "{\"a\":}",
      "[]",
      "\"string\"",
      "42",
      "{} {}",
      "{}x",
      "{\"a\":1,}",
      "{'a':1}",
      "{\"a\":\"\xff\"}",  // not UTF-8
      "{\"a\":\"\xc3\"}",  // truncated UTF-8
  };
  for (const char* json : bad) {
    Result<Descriptor> d = Parse(json);
    ASSERT_FALSE(d.ok()) << json;
    EXPECT_EQ(d.status().code(), ErrorCode::kCorrupt) << json;
  }
}

TEST(OciJsonTest, NestingIsLimited) {
  auto nested = [](int depth) {
    std::string inner(depth - 1, '[');
    inner += std::string(depth - 1, ']');
    return Desc("2", ",\"x\":" + inner);
  };
  // The descriptor object itself is one level.
  EXPECT_TRUE(Parse(nested(kMaxJsonDepth)).ok());
  Result<Descriptor> deep = Parse(nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(deep.status().message().find("deeper"), std::string::npos);
  // Brackets inside strings (escaped quotes too) are not nesting.
  std::string brackets = Desc("2", ",\"x\":\"\\\"" + std::string(1000, '[') + "\"");
  EXPECT_TRUE(Parse(brackets).ok()) << Parse(brackets).status().message();
  // A million unclosed brackets fail fast instead of recursing.
  EXPECT_EQ(Parse(std::string(1000000, '[')).status().code(), ErrorCode::kUnsupported);
}

TEST(OciJsonTest, SizeIsLimited) {
  std::string pad(kMaxJsonSize, ' ');
  std::string json = Desc("2");
  std::string at_limit = json + pad.substr(json.size());
  ASSERT_EQ(at_limit.size(), kMaxJsonSize);
  EXPECT_TRUE(Parse(at_limit).ok());
  Result<Descriptor> over = Parse(at_limit + " ");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kUnsupported);
  Result<Manifest> m = Manifest::Parse(Bytes(kMaxJsonSize + 1, ' '));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace ocitree::oci
