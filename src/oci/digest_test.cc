// Digest parsing: the sha256 spelling OCI uses, and the errors that tell
// malformed digests from ones we cannot verify.
#include "oci/digest.h"

#include <gtest/gtest.h>

namespace ocitree::oci {
namespace {

constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestTest, ParsesSha256AndPrintsItBack) {
  std::string text = std::string("sha256:") + kEmptySha;
  Result<Digest> d = Digest::Parse(text);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->ToString(), text);
  EXPECT_EQ(d->Hex(), kEmptySha);
  EXPECT_EQ(d->algorithm(), "sha256");
  EXPECT_EQ(*d, Digest::Of({}));
}

TEST(DigestTest, OfHashesContent) {
  EXPECT_EQ(Digest::Of(AsBytes("{}")).ToString(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_NE(Digest::Of(AsBytes("a")), Digest::Of(AsBytes("b")));
}

TEST(DigestTest, MalformedIsInvalidArgument) {
  const char* bad[] = {
      "",
      "sha256",
      ":abc",
      "sha256:",
      "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
      "sha256:has space",
      "sha256::e3b0",
      "sha+:abc",
      "+sha:abc",
      "sha..256:abc",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
  };
  for (const char* text : bad) {
    Result<Digest> d = Digest::Parse(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument) << text << ": " << d.status().message();
  }
}

TEST(DigestTest, OtherAlgorithmsAreUnsupported) {
  const char* other[] = {
      "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
      "blake3:abc",
      "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
      "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
  };
  for (const char* text : other) {
    Result<Digest> d = Digest::Parse(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), ErrorCode::kUnsupported) << text;
  }
}

TEST(DigestTest, LongGarbageIsQuotedShortly) {
  std::string junk(10000, 'x');
  Result<Digest> d = Digest::Parse(junk);
  ASSERT_FALSE(d.ok());
  EXPECT_LT(d.status().message().size(), 300u);
}

}  // namespace
}  // namespace ocitree::oci
