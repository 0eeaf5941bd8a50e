// From a layout's top-level document to one image: indexes, platforms,
// Docker documents, and every way the chain can be wrong.
#include "oci/resolve.h"

#include <gtest/gtest.h>

#include "oci/layout_source.h"
#include "oci/media_types.h"
#include "oci/oci_test_util.h"

namespace ocitree::oci {
namespace {

using testing::AddSimpleImage;
using testing::DescriptorJson;
using testing::LayoutBuilder;
using testing::SimpleImage;
using testing::TagAnnotation;
using testing::TempDir;

const Platform kAmd64{"linux", "amd64", "", ""};
const Platform kArm64{"linux", "arm64", "v8", ""};

class OciResolveTest : public ::testing::Test {
 protected:
  OciResolveTest() : layout_(tmp_.Sub("layout")) {}

  Result<ResolvedImage> Resolve(const std::string& tag, const Platform& wanted) {
    Result<std::unique_ptr<LayoutSource>> source = LayoutSource::Open(layout_.dir(), tag);
    if (!source.ok()) return source.status();
    return ResolveImage(**source, wanted);
  }

  // A manifest with the given config and layer media types.
  Descriptor AddManifest(std::string_view config_type, std::string_view layer_type, int diff_ids = 1,
                         std::string_view manifest_type = "") {
    Descriptor layer = layout_.AddBlob(layer_type, "layer");
    std::string ids;
    for (int i = 0; i < diff_ids; i++) ids += std::string(i ? "," : "") + "\"" + layer.digest.ToString() + "\"";
    Descriptor config = layout_.AddBlob(
        config_type, R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[)" + ids + "]}}");
    std::string media = manifest_type.empty() ? "" : R"("mediaType":")" + std::string(manifest_type) + "\",";
    return layout_.AddBlob(manifest_type.empty() ? kOciManifestType : manifest_type,
                           R"({"schemaVersion":2,)" + media + R"("config":)" + DescriptorJson(config) +
                               R"(,"layers":[)" + DescriptorJson(layer) + "]}");
  }

  TempDir tmp_;
  LayoutBuilder layout_;
};

TEST_F(OciResolveTest, SingleManifest) {
  SimpleImage img = AddSimpleImage(layout_);
  layout_.WriteIndex(DescriptorJson(img.manifest, TagAnnotation("latest")));
  Result<ResolvedImage> r = Resolve("latest", kAmd64);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->manifest_desc.digest, img.manifest.digest);
  EXPECT_EQ(testing::ToString(r->manifest_bytes), img.manifest_json);
  EXPECT_EQ(r->manifest.raw, r->manifest_bytes);
  EXPECT_EQ(testing::ToString(r->config_bytes), img.config_json);
  EXPECT_EQ(r->config.raw, r->config_bytes);
  EXPECT_EQ(r->config.architecture, "amd64");
  EXPECT_FALSE(r->index_bytes.has_value());
  ASSERT_EQ(r->layer_types.size(), 1u);
  EXPECT_EQ(r->layer_types[0].compression, Compression::kNone);
  ASSERT_EQ(r->config.diff_ids.size(), 1u);
}

TEST_F(OciResolveTest, SingleManifestForAnotherPlatformIsStillTaken) {
  SimpleImage img = AddSimpleImage(layout_, "arm64");
  layout_.WriteIndex(DescriptorJson(img.manifest));
  Result<ResolvedImage> r = Resolve("", kAmd64);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.architecture, "arm64");
}

TEST_F(OciResolveTest, MultiArchIndexSelectsThePlatform) {
  SimpleImage amd = AddSimpleImage(layout_, "amd64", "amd64 layer");
  SimpleImage arm = AddSimpleImage(layout_, "arm64", "arm64 layer");
  std::string index_json = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
                           DescriptorJson(amd.manifest, R"(,"platform":{"architecture":"amd64","os":"linux"})") + "," +
                           DescriptorJson(arm.manifest, R"(,"platform":{"architecture":"arm64","os":"linux","variant":"v8"})") +
                           "]}";
  Descriptor index = layout_.AddBlob(kOciIndexType, index_json);
  layout_.WriteIndex(DescriptorJson(index, TagAnnotation("multi")));

  Result<ResolvedImage> r = Resolve("multi", kArm64);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->manifest_desc.digest, arm.manifest.digest);
  EXPECT_EQ(r->config.architecture, "arm64");
  ASSERT_TRUE(r->index_bytes.has_value());
  EXPECT_EQ(testing::ToString(*r->index_bytes), index_json);

  r = Resolve("multi", kAmd64);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->manifest_desc.digest, amd.manifest.digest);

  r = Resolve("multi", Platform{"linux", "s390x", "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find("linux/amd64, linux/arm64/v8"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("oci:" + layout_.dir() + ":multi"), std::string::npos);
}

TEST_F(OciResolveTest, DockerManifestListAndManifest) {
  Descriptor manifest = AddManifest(kDockerConfigType, kDockerLayerGzip, 1, kDockerManifestType);
  std::string list = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[)" +
                     DescriptorJson(manifest, R"(,"platform":{"architecture":"amd64","os":"linux"})") + "]}";
  Descriptor index = layout_.AddBlob(kDockerManifestListType, list);
  layout_.WriteIndex(DescriptorJson(index));
  Result<ResolvedImage> r = Resolve("", kAmd64);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->manifest.format, ManifestFormat::kDockerV2Schema2);
  EXPECT_EQ(r->layer_types[0].compression, Compression::kGzip);
}

TEST_F(OciResolveTest, NestedIndexesAreFollowedToALimit) {
  SimpleImage img = AddSimpleImage(layout_);
  auto wrap = [&](const Descriptor& inner) {
    return layout_.AddBlob(kOciIndexType, R"({"schemaVersion":2,"manifests":[)" +
                                              DescriptorJson(inner, R"(,"platform":{"architecture":"amd64","os":"linux"})") +
                                              "]}");
  };
  Descriptor d = img.manifest;
  for (int i = 0; i < 4; i++) d = wrap(d);
  layout_.WriteIndex(DescriptorJson(d, TagAnnotation("four")));
  Result<ResolvedImage> r = Resolve("four", kAmd64);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->manifest_desc.digest, img.manifest.digest);

  d = wrap(d);
  layout_.WriteIndex(DescriptorJson(d, TagAnnotation("five")));
  r = Resolve("five", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("nested"), std::string::npos);
}

TEST_F(OciResolveTest, LayerAndDiffIdCountsMustAgree) {
  Descriptor m = AddManifest(kOciConfigType, kOciLayerGzip, 2);
  layout_.WriteIndex(DescriptorJson(m));
  Result<ResolvedImage> r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.status().message().find("diff_ids"), std::string::npos);
}

TEST_F(OciResolveTest, BeforeConfigSeesTheManifestAndRunsBeforeTheConfigIsRead) {
  // A config that does not parse: the hook has run by the time that shows.
  Descriptor layer = layout_.AddBlob(kOciLayerGzip, "layer");
  Descriptor config = layout_.AddBlob(kOciConfigType, "not json");
  Descriptor m = layout_.AddBlob(kOciManifestType, R"({"schemaVersion":2,"config":)" + DescriptorJson(config) +
                                                      R"(,"layers":[)" + DescriptorJson(layer) + "]}");
  layout_.WriteIndex(DescriptorJson(m));
  auto source = LayoutSource::Open(layout_.dir(), "");
  ASSERT_TRUE(source.ok()) << source.status().message();
  int calls = 0;
  Result<ResolvedImage> r = ResolveImage(**source, kAmd64, [&](const ResolvedImage& partial) {
    calls++;
    EXPECT_EQ(partial.manifest_desc.digest, m.digest);
    ASSERT_EQ(partial.manifest.layers.size(), 1u);
    EXPECT_EQ(partial.manifest.layers[0].digest, layer.digest);
    EXPECT_TRUE(partial.config_bytes.empty());
  });
  EXPECT_EQ(calls, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("config"), std::string::npos) << r.status().message();
}

TEST_F(OciResolveTest, UnknownLayerTypesAndArtifactsAreUnsupported) {
  Descriptor m = AddManifest(kOciConfigType, "application/vnd.oci.image.layer.v1.tar+lz4");
  layout_.WriteIndex(DescriptorJson(m));
  Result<ResolvedImage> r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("lz4"), std::string::npos);

  m = AddManifest("application/vnd.cncf.helm.config.v1+json", "application/vnd.cncf.helm.chart.content.v1.tar+gzip");
  layout_.WriteIndex(DescriptorJson(m));
  r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("not a container image"), std::string::npos);
}

TEST_F(OciResolveTest, BrokenChains) {
  SimpleImage img = AddSimpleImage(layout_);
  layout_.WriteIndex(DescriptorJson(img.manifest));

  // A config that is missing.
  ASSERT_EQ(::unlink(layout_.BlobFile(img.config).c_str()), 0);
  Result<ResolvedImage> r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);

  // A manifest whose bytes do not match its digest.
  testing::WriteFile(layout_.BlobFile(img.config), img.config_json);
  testing::WriteFile(layout_.BlobFile(img.manifest), std::string(img.manifest.size, ' '));
  r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);

  // A schema 1 manifest.
  Descriptor v1 = layout_.AddBlob(kDockerSchema1SignedType, R"({"schemaVersion":1,"fsLayers":[],"signatures":[]})");
  layout_.WriteIndex(DescriptorJson(v1));
  r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("schema 1"), std::string::npos);

  // A config that is not JSON.
  Descriptor bad_config = layout_.AddBlob(kOciConfigType, "not json");
  Descriptor m = layout_.AddBlob(kOciManifestType, R"({"schemaVersion":2,"config":)" + DescriptorJson(bad_config) +
                                                       R"(,"layers":[]})");
  layout_.WriteIndex(DescriptorJson(m));
  r = Resolve("", kAmd64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.status().message().find("config " + bad_config.digest.ToString()), std::string::npos);
}

}  // namespace
}  // namespace ocitree::oci
