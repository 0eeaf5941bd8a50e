// index.json updates: tags replaced in place, other entries and unknown
// fields kept, untagged entries deduplicated, bad input refused.
#include "oci/layout_index_update.h"

#include <gtest/gtest.h>

#include "oci/index.h"
#include "oci/layout_index.h"
#include "oci/media_types.h"
#include "oci/oci_test_util.h"

namespace ocitree::oci {
namespace {

using testing::MakeDescriptor;
using testing::ToBytes;
using testing::ToString;

Descriptor Manifest(std::string_view seed) { return MakeDescriptor(kOciManifestType, seed); }

Index Parse(const Bytes& bytes) {
  Result<Index> index = Index::Parse(bytes);
  EXPECT_TRUE(index.ok()) << index.status().message() << "\n" << ToString(bytes);
  return index.ok() ? *index : Index{};
}

Bytes Add(const Bytes& existing, const Descriptor& d, std::string_view tag) {
  Result<Bytes> out = AddToLayoutIndex(existing, d, tag);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : Bytes{};
}

// (tag, digest) of every entry, in order.
std::vector<std::pair<std::string, Digest>> Entries(const Bytes& bytes) {
  std::vector<std::pair<std::string, Digest>> out;
  for (const Descriptor& d : Parse(bytes).manifests) out.emplace_back(d.Annotation(kRefNameAnnotation), d.digest);
  return out;
}

TEST(LayoutIndexUpdate, EmptyIndex) {
  EXPECT_EQ(ToString(EmptyLayoutIndex()),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})");
  EXPECT_TRUE(Parse(EmptyLayoutIndex()).manifests.empty());
}

TEST(LayoutIndexUpdate, FirstImageWithAndWithoutTag) {
  Descriptor a = Manifest("a");
  Bytes tagged = Add({}, a, "v1");
  EXPECT_EQ(ToString(tagged), R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                              R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                                  a.digest.ToString() + R"(","size":1,"annotations":{)"
                                  R"("org.opencontainers.image.ref.name":"v1"}}]})");
  auto found = FindImageEntry(Parse(tagged), "v1", "test");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->digest, a.digest);

  Bytes untagged = Add(EmptyLayoutIndex(), a, "");
  EXPECT_EQ(ToString(untagged).find("annotations"), std::string::npos);
  found = FindImageEntry(Parse(untagged), "", "test");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->digest, a.digest);
}

TEST(LayoutIndexUpdate, SameTagIsReplacedInPlaceOthersStay) {
  Descriptor a = Manifest("a"), b = Manifest("b"), c = Manifest("c"), d = Manifest("d");
  Bytes idx = Add(Add(Add({}, a, "v1"), b, "v2"), c, "");
  idx = Add(idx, d, "v1");
  EXPECT_EQ(Entries(idx), (std::vector<std::pair<std::string, Digest>>{
                              {"v1", d.digest}, {"v2", b.digest}, {"", c.digest}}));
  // The same image under a second tag is a second entry.
  idx = Add(idx, d, "latest");
  EXPECT_EQ(Entries(idx).size(), 4u);
  EXPECT_EQ(Entries(idx).back(), std::make_pair(std::string("latest"), d.digest));
}

TEST(LayoutIndexUpdate, UntaggedDuplicatesCollapse) {
  Descriptor a = Manifest("a"), b = Manifest("b");
  Bytes idx = Add(Add(Add({}, a, ""), b, ""), a, "");
  EXPECT_EQ(Entries(idx), (std::vector<std::pair<std::string, Digest>>{{"", a.digest}, {"", b.digest}}));
  // Tagging an image that was there untagged replaces the untagged entry.
  idx = Add(idx, b, "v1");
  EXPECT_EQ(Entries(idx), (std::vector<std::pair<std::string, Digest>>{{"", a.digest}, {"v1", b.digest}}));
  // An untagged push of a tagged image adds an untagged entry beside it.
  idx = Add(idx, b, "");
  EXPECT_EQ(Entries(idx).size(), 3u);
}

TEST(LayoutIndexUpdate, KeepsWhatItDoesNotOwn) {
  Descriptor a = Manifest("a");
  const std::string other =
      R"({"size":7,"digest":")" + Manifest("other").digest.ToString() +
      R"(","mediaType":"application/vnd.oci.image.manifest.v1+json","x-vendor":[1,2],)"
      R"("annotations":{"org.opencontainers.image.ref.name":"keep","z":"y"}})";
  const std::string existing = R"({"schemaVersion":2,"manifests":[)" + other +
                               R"(],"annotations":{"org.example":"kept"},"x-top":true})";
  Bytes idx = Add(ToBytes(existing), a, "new");
  const std::string text = ToString(idx);
  EXPECT_TRUE(text.starts_with(R"({"schemaVersion":2,"manifests":[)" + other + ",")) << text;
  EXPECT_TRUE(text.ends_with(R"(],"annotations":{"org.example":"kept"},"x-top":true})")) << text;
}

TEST(LayoutIndexUpdate, WritesDescriptorExtras) {
  Descriptor a = Manifest("a");
  a.annotations = {{"org.opencontainers.image.ref.name", "ignored"}, {"com.example", "x"}};
  a.platform = Platform{"linux", "arm64", "v8", ""};
  Bytes idx = Add({}, a, "v1");
  Index parsed = Parse(idx);
  ASSERT_EQ(parsed.manifests.size(), 1u);
  const Descriptor& d = parsed.manifests[0];
  EXPECT_EQ(d.Annotation(kRefNameAnnotation), "v1");
  EXPECT_EQ(d.Annotation("com.example"), "x");
  ASSERT_TRUE(d.platform.has_value());
  EXPECT_EQ(*d.platform, *a.platform);
  // Without a tag, a ref.name the caller left in the descriptor is dropped.
  EXPECT_EQ(Parse(Add({}, a, "")).manifests[0].Annotation(kRefNameAnnotation), "");
}

TEST(LayoutIndexUpdate, RefusesWhatIsNotAnIndex) {
  Descriptor a = Manifest("a");
  for (std::string bad : {std::string("not json"), std::string("[]"), std::string(R"({"schemaVersion":2})"),
                          std::string(R"({"schemaVersion":1,"manifests":[]})"),
                          std::string(R"({"schemaVersion":2,"manifests":[{"digest":"x"}]})")}) {
    EXPECT_EQ(AddToLayoutIndex(ToBytes(bad), a, "v1").status().code(), ErrorCode::kCorrupt) << bad;
  }
}

}  // namespace
}  // namespace ocitree::oci
