// Manifest, index and document-kind parsing on documents shaped like the
// ones umoci, skopeo and registries produce.
#include "oci/manifest.h"

#include <gtest/gtest.h>

#include "oci/document_kind.h"
#include "oci/index.h"
#include "oci/media_types.h"
#include "oci/oci_test_util.h"

namespace ocitree::oci {
namespace {

using testing::ToBytes;

// umoci 0.4.7: no top-level mediaType; Go's json.Encoder ends it with "\n".
constexpr char kUmociManifest[] =
    R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
    R"("digest":"sha256:ded51532e489fc88a660adb88ab2c7c1a65847bf448bd0de93ebf5783cdf18f1","size":292},)"
    R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
    R"("digest":"sha256:92d64ace858a116af304417d5d21a674851c0b91420384f2c889432be3c02b43","size":97}]})"
    "\n";

// skopeo copy --format v2s2.
constexpr char kDockerManifest[] =
    R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
    R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":292,)"
    R"("digest":"sha256:ded51532e489fc88a660adb88ab2c7c1a65847bf448bd0de93ebf5783cdf18f1"},)"
    R"("layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":97,)"
    R"("digest":"sha256:92d64ace858a116af304417d5d21a674851c0b91420384f2c889432be3c02b43"}]})";

Result<Manifest> Parse(std::string_view json, std::string_view hint = "") {
  return Manifest::Parse(ToBytes(json), hint);
}

void ExpectError(const Status& s, ErrorCode code, std::string_view needle = "") {
  EXPECT_EQ(s.code(), code) << s.message();
  if (!needle.empty()) {
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  }
}

TEST(OciManifestTest, UmociManifestWithoutMediaType) {
  Result<Manifest> m = Parse(kUmociManifest);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->format, ManifestFormat::kOci);
  EXPECT_EQ(m->media_type, "");
  EXPECT_EQ(m->config.media_type, kOciConfigType);
  EXPECT_EQ(m->config.size, 292u);
  EXPECT_EQ(m->config.digest.Hex(), "ded51532e489fc88a660adb88ab2c7c1a65847bf448bd0de93ebf5783cdf18f1");
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].media_type, kOciLayerGzip);
  EXPECT_EQ(m->layers[0].size, 97u);
  // The exact bytes are kept, and the digest is theirs (the real one umoci
  // wrote this manifest under).
  EXPECT_EQ(testing::ToString(m->raw), kUmociManifest);
  EXPECT_EQ(m->digest().Hex(), "70452d4376fde27f8d4f5bf7c129375be90cb8f463b822e09956bd30387ec324");
}

TEST(OciManifestTest, BytesAreKeptEvenWhenNotCanonical) {
  std::string spaced = std::string("  \n") + kUmociManifest + "\n\t ";
  Result<Manifest> m = Parse(spaced);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(testing::ToString(m->raw), spaced);
  EXPECT_EQ(m->digest(), Digest::Of(AsBytes(spaced)));
}

TEST(OciManifestTest, DockerV2Schema2) {
  Result<Manifest> m = Parse(kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->format, ManifestFormat::kDockerV2Schema2);
  EXPECT_EQ(m->media_type, kDockerManifestType);
  EXPECT_EQ(m->config.media_type, kDockerConfigType);
  ASSERT_EQ(m->layers.size(), 1u);
  Result<LayerType> t = ClassifyLayer(m->layers[0].media_type);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->compression, Compression::kGzip);
}

TEST(OciManifestTest, FormatFromHintOrConfigWhenMediaTypeIsAbsent) {
  std::string no_type = kDockerManifest;
  no_type.erase(no_type.find(R"("mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"),
                std::string_view(R"("mediaType":"application/vnd.docker.distribution.manifest.v2+json",)").size());
  Result<Manifest> m = Parse(no_type);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->format, ManifestFormat::kDockerV2Schema2);  // from the Docker config type
  m = Parse(kUmociManifest, kDockerManifestType);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->format, ManifestFormat::kDockerV2Schema2);  // the descriptor said so
  m = Parse(no_type, kOciManifestType);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->format, ManifestFormat::kOci);
}

TEST(OciManifestTest, AnnotationsSubjectArtifactType) {
  std::string json = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                     R"("artifactType":"application/x-test","config":{"mediaType":"application/vnd.oci.empty.v1+json",)"
                     R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
                     R"("layers":[],"annotations":{"org.opencontainers.image.created":"2024-01-01T00:00:00Z"},)"
                     R"("subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                     R"("digest":"sha256:70452d4376fde27f8d4f5bf7c129375be90cb8f463b822e09956bd30387ec324","size":344}})";
  Result<Manifest> m = Parse(json);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->artifact_type, "application/x-test");
  EXPECT_TRUE(m->layers.empty());
  EXPECT_EQ(m->annotations.at("org.opencontainers.image.created"), "2024-01-01T00:00:00Z");
  ASSERT_TRUE(m->subject.has_value());
  EXPECT_EQ(m->subject->size, 344u);
}

TEST(OciManifestTest, Schema1IsUnsupported) {
  std::string signed_v1 = R"({"schemaVersion":1,"name":"library/alpine","tag":"latest",)"
                          R"("architecture":"amd64","fsLayers":[{"blobSum":"sha256:abc"}],"history":[]})";
  Result<Manifest> m = Parse(signed_v1);
  ASSERT_FALSE(m.ok());
  ExpectError(m.status(), ErrorCode::kUnsupported, "schema 1");
  m = Parse(R"({"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+json"})");
  ASSERT_FALSE(m.ok());
  ExpectError(m.status(), ErrorCode::kUnsupported, "schema 1");
  m = Parse(R"({"schemaVersion":1,"fsLayers":[]})", kDockerSchema1SignedType);
  ASSERT_FALSE(m.ok());
  ExpectError(m.status(), ErrorCode::kUnsupported, "schema 1");
}

TEST(OciManifestTest, SchemaVersionMustBeTwo) {
  std::string v3 = kUmociManifest;
  v3.replace(v3.find("\"schemaVersion\":2"), 17, "\"schemaVersion\":3");
  ASSERT_FALSE(Parse(v3).ok());
  ExpectError(Parse(v3).status(), ErrorCode::kUnsupported, "schemaVersion");
  std::string none = kUmociManifest;
  none.replace(none.find("\"schemaVersion\":2,"), 18, "");
  ExpectError(Parse(none).status(), ErrorCode::kCorrupt, "schemaVersion");
  std::string text = kUmociManifest;
  text.replace(text.find("\"schemaVersion\":2"), 17, "\"schemaVersion\":\"2\"");
  ExpectError(Parse(text).status(), ErrorCode::kCorrupt, "schemaVersion");
}

TEST(OciManifestTest, WrongKindsAreRefused) {
  // An index is not a manifest.
  ExpectError(Parse(R"({"schemaVersion":2,"manifests":[]})").status(), ErrorCode::kCorrupt, "index");
  ExpectError(Parse(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})").status(),
              ErrorCode::kCorrupt, "index");
  // Unknown top-level types (the withdrawn artifact manifest).
  ExpectError(Parse(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json","blobs":[]})").status(),
              ErrorCode::kUnsupported, "artifact");
  ExpectError(Parse(R"({"schemaVersion":2,"manifests":[],"layers":[]})").status(), ErrorCode::kCorrupt);
  ExpectError(Parse(R"({"schemaVersion":2})").status(), ErrorCode::kCorrupt);
}

TEST(OciManifestTest, StructuralErrors) {
  ExpectError(Parse(R"({"schemaVersion":2,"layers":[]})").status(), ErrorCode::kCorrupt, "config");
  ExpectError(Parse(R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
                    R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}})")
                  .status(),
              ErrorCode::kCorrupt, "layers");
  ExpectError(Parse(R"({"schemaVersion":2,"config":[],"layers":[]})").status(), ErrorCode::kCorrupt, "config");
  ExpectError(Parse(R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
                    R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
                    R"("layers":{}})")
                  .status(),
              ErrorCode::kCorrupt, "layers");
  ExpectError(Parse(R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
                    R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
                    R"("layers":[{"mediaType":"x/y","digest":"sha256:abc","size":1}]})")
                  .status(),
              ErrorCode::kCorrupt, "layer 0");
  ExpectError(Parse(R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
                    R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
                    R"("layers":[],"annotations":{"a":1}})")
                  .status(),
              ErrorCode::kCorrupt, "annotations");
}

TEST(OciManifestTest, TooManyLayers) {
  std::string layer = R"({"mediaType":"application/vnd.oci.image.layer.v1.tar",)"
                      R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2})";
  auto build = [&](size_t n) {
    std::string json = R"({"schemaVersion":2,"config":)" + layer + R"(,"layers":[)";
    for (size_t i = 0; i < n; i++) json += (i ? "," : "") + layer;
    return json + "]}";
  };
  Result<Manifest> ok = Parse(build(10000));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->layers.size(), 10000u);
  ExpectError(Parse(build(10001)).status(), ErrorCode::kUnsupported, "10000");
}

TEST(OciIndexTest, DockerManifestList) {
  std::string json =
      R"({"manifests":[{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",)"
      R"("mediaType":"application/vnd.docker.distribution.manifest.v2+json","platform":{"architecture":"amd64","os":"linux"},"size":528},)"
      R"({"digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222",)"
      R"("mediaType":"application/vnd.docker.distribution.manifest.v2+json","platform":{"architecture":"arm","os":"linux","variant":"v7"},"size":528},)"
      R"({"digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333",)"
      R"("mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.5576","os.features":["win32k"]},"size":528}],)"
      R"("mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","schemaVersion":2})";
  Result<Index> index = Index::Parse(ToBytes(json));
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_EQ(index->format, IndexFormat::kDockerManifestList);
  ASSERT_EQ(index->manifests.size(), 3u);
  ASSERT_TRUE(index->manifests[1].platform.has_value());
  EXPECT_EQ(index->manifests[1].platform->ToString(), "linux/arm/v7");
  EXPECT_EQ(index->manifests[2].platform->os_version, "10.0.17763.5576");
  EXPECT_EQ(testing::ToString(index->raw), json);
}

TEST(OciIndexTest, LayoutIndexJsonWithoutMediaType) {
  // umoci's index.json.
  std::string json =
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("digest":"sha256:70452d4376fde27f8d4f5bf7c129375be90cb8f463b822e09956bd30387ec324","size":344,)"
      R"("annotations":{"org.opencontainers.image.ref.name":"latest"}}]})";
  Result<Index> index = Index::Parse(ToBytes(json));
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_EQ(index->format, IndexFormat::kOci);
  ASSERT_EQ(index->manifests.size(), 1u);
  EXPECT_EQ(index->manifests[0].Annotation(kRefNameAnnotation), "latest");
  EXPECT_EQ(index->manifests[0].Annotation("missing"), "");
  EXPECT_FALSE(index->manifests[0].platform.has_value());
}

TEST(OciIndexTest, EmptyAndWrongKinds) {
  Result<Index> empty = Index::Parse(ToBytes(R"({"schemaVersion":2,"manifests":[]})"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->manifests.empty());
  Result<Index> manifest = Index::Parse(ToBytes(kUmociManifest));
  ASSERT_FALSE(manifest.ok());
  ExpectError(manifest.status(), ErrorCode::kCorrupt, "manifest");
  ExpectError(Index::Parse(ToBytes(R"({"schemaVersion":2,"manifests":{}})")).status(), ErrorCode::kCorrupt);
  ExpectError(Index::Parse(ToBytes(R"({"schemaVersion":2,"manifests":[1]})")).status(), ErrorCode::kCorrupt,
              "entry 0");
  ExpectError(Index::Parse(ToBytes(R"({"schemaVersion":2,"manifests":[{"mediaType":"a/b",)"
                                   R"("digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",)"
                                   R"("size":1,"platform":"linux"}]})"))
                  .status(),
              ErrorCode::kCorrupt, "platform");
}

TEST(OciDocumentKindTest, ByMediaTypeThenStructure) {
  auto kind = [](std::string_view json, std::string_view hint = "") {
    return DetectDocumentKind(AsBytes(json), hint);
  };
  EXPECT_EQ(*kind(kUmociManifest), DocumentKind::kManifest);
  EXPECT_EQ(*kind(kDockerManifest), DocumentKind::kManifest);
  EXPECT_EQ(*kind(R"({"schemaVersion":2,"manifests":[]})"), DocumentKind::kIndex);
  EXPECT_EQ(*kind(R"({"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json"})"),
            DocumentKind::kIndex);
  // The document wins over a contradicting hint.
  EXPECT_EQ(*kind(R"({"schemaVersion":2,"manifests":[]})", kOciManifestType), DocumentKind::kIndex);
  EXPECT_EQ(kind(R"({"schemaVersion":2})").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(kind(R"({"schemaVersion":1,"fsLayers":[]})").status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(kind(R"({"mediaType":"text/plain"})").status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(kind(R"({"mediaType":5})").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(kind("[]").status().code(), ErrorCode::kCorrupt);
}

TEST(OciLayerTypeTest, KnownLayerMediaTypes) {
  struct Case {
    const char* type;
    Compression compression;
    bool nondistributable;
  };
  const Case cases[] = {
      {"application/vnd.oci.image.layer.v1.tar", Compression::kNone, false},
      {"application/vnd.oci.image.layer.v1.tar+gzip", Compression::kGzip, false},
      {"application/vnd.oci.image.layer.v1.tar+zstd", Compression::kZstd, false},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::kNone, true},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip, true},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::kZstd, true},
      {"application/vnd.docker.image.rootfs.diff.tar.gzip", Compression::kGzip, false},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::kNone, false},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip, true},
  };
  for (const Case& c : cases) {
    Result<LayerType> t = ClassifyLayer(c.type);
    ASSERT_TRUE(t.ok()) << c.type;
    EXPECT_EQ(t->compression, c.compression) << c.type;
    EXPECT_EQ(t->nondistributable, c.nondistributable) << c.type;
  }
  const char* unknown[] = {"application/vnd.oci.image.layer.v1.tar+bzip2", "application/octet-stream",
                           "application/vnd.cncf.helm.chart.content.v1.tar+gzip", ""};
  for (const char* type : unknown) {
    EXPECT_EQ(ClassifyLayer(type).status().code(), ErrorCode::kUnsupported) << type;
  }
}

}  // namespace
}  // namespace ocitree::oci
