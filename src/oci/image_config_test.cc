// Image config parsing on umoci-, Docker- and BuildKit-shaped configs.
#include "oci/image_config.h"

#include <gtest/gtest.h>

#include "oci/oci_test_util.h"

namespace ocitree::oci {
namespace {

using testing::ToBytes;

constexpr char kUmociConfig[] =
    R"({"created":"2026-11-28T18:58:48.564603764Z","architecture":"amd64","os":"linux","config":{},)"
    R"("rootfs":{"type":"layers","diff_ids":["sha256:1c54941f53ee80b09abc969893efb5b59df8d39d8e517ba014c775a2b799b036"]},)"
    R"("history":[{"created":"2026-11-28T18:58:48.574171059Z","created_by":"umoci insert"}]})"
    "\n";

// The shape `docker save` / Docker Hub configs have: container_config,
// Labels null, empty_layer history entries.
constexpr char kDockerConfig[] =
    R"({"architecture":"arm","config":{"Hostname":"","Env":["PATH=/usr/bin"],"Cmd":["/bin/sh"],)"
    R"("Image":"sha256:abc","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},)"
    R"("container":"0123","container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD [\"/bin/sh\"]"],"Labels":{}},)"
    R"("created":"2024-01-27T00:30:56.150825111+01:00","docker_version":"20.10.23",)"
    R"("history":[{"created":"2024-01-27T00:30:55.9Z","created_by":"/bin/sh -c #(nop) ADD file:abc in / "},)"
    R"({"created":"2024-01-27T00:30:56.150825111Z","created_by":"/bin/sh -c #(nop)  CMD [\"/bin/sh\"]","empty_layer":true}],)"
    R"("os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820"]},)"
    R"("variant":"v7"})";

Result<ImageConfig> Parse(std::string_view json) { return ImageConfig::Parse(ToBytes(json)); }

TEST(ImageConfigTest, UmociConfig) {
  Result<ImageConfig> c = Parse(kUmociConfig);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->variant, "");
  ASSERT_TRUE(c->created.has_value());
  EXPECT_EQ(*c->created, 1795892328);  // date -d 2026-11-28T18:58:48Z +%s
  ASSERT_EQ(c->diff_ids.size(), 1u);
  EXPECT_EQ(c->diff_ids[0].Hex(), "1c54941f53ee80b09abc969893efb5b59df8d39d8e517ba014c775a2b799b036");
  ASSERT_EQ(c->history.size(), 1u);
  EXPECT_EQ(c->history[0].created_by, "umoci insert");
  EXPECT_FALSE(c->history[0].empty_layer);
  EXPECT_TRUE(c->labels.empty());
  EXPECT_EQ(testing::ToString(c->raw), kUmociConfig);
  EXPECT_EQ(c->digest().Hex(), "ded51532e489fc88a660adb88ab2c7c1a65847bf448bd0de93ebf5783cdf18f1");
}

TEST(ImageConfigTest, DockerConfig) {
  Result<ImageConfig> c = Parse(kDockerConfig);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->platform().ToString(), "linux/arm/v7");
  ASSERT_TRUE(c->created.has_value());
  EXPECT_EQ(*c->created, 1706311856);  // 2024-01-26T23:30:56Z
  EXPECT_TRUE(c->labels.empty());
  ASSERT_EQ(c->history.size(), 2u);
  EXPECT_TRUE(c->history[1].empty_layer);
  ASSERT_TRUE(c->history[0].created.has_value());
}

TEST(ImageConfigTest, LabelsAndNoCreated) {
  Result<ImageConfig> c = Parse(
      R"({"architecture":"amd64","os":"linux","config":{"Labels":{"org.flatpak.ref":"app/x/x86_64/stable","empty":""}},)"
      R"("rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->created.has_value());
  EXPECT_EQ(c->labels.at("org.flatpak.ref"), "app/x/x86_64/stable");
  EXPECT_EQ(c->labels.at("empty"), "");
  EXPECT_TRUE(c->diff_ids.empty());
}

TEST(ImageConfigTest, Errors) {
  struct Case {
    const char* json;
    ErrorCode code;
    const char* needle;
  };
  const Case cases[] = {
      {R"({"os":"linux","rootfs":{"type":"layers","diff_ids":[]}})", ErrorCode::kCorrupt, "architecture"},
      {R"({"architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}})", ErrorCode::kCorrupt, "os"},
      {R"({"architecture":"amd64","os":"linux"})", ErrorCode::kCorrupt, "rootfs"},
      {R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}})", ErrorCode::kCorrupt, "diff_ids"},
      {R"({"architecture":"amd64","os":"linux","rootfs":{"diff_ids":[]}})", ErrorCode::kCorrupt, "type"},
      {R"({"architecture":"amd64","os":"linux","rootfs":{"type":"snapshot","diff_ids":[]}})",
       ErrorCode::kUnsupported, "snapshot"},
      {R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:xyz"]}})",
       ErrorCode::kCorrupt, "diff_id 0"},
      {R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[7]}})", ErrorCode::kCorrupt,
       "diff_ids"},
      {R"({"architecture":"amd64","os":"linux","created":"yesterday","rootfs":{"type":"layers","diff_ids":[]}})",
       ErrorCode::kCorrupt, "RFC 3339"},
      {R"({"architecture":"amd64","os":"linux","created":"@1700000000","rootfs":{"type":"layers","diff_ids":[]}})",
       ErrorCode::kCorrupt, "RFC 3339"},
      {R"({"architecture":"amd64","os":"linux","config":{"Labels":{"a":1}},"rootfs":{"type":"layers","diff_ids":[]}})",
       ErrorCode::kCorrupt, "Labels"},
      {R"({"architecture":"amd64","os":"linux","history":[1],"rootfs":{"type":"layers","diff_ids":[]}})",
       ErrorCode::kCorrupt, "history 0"},
      {R"({"architecture":"amd64","os":"linux","history":[{"empty_layer":"yes"}],"rootfs":{"type":"layers","diff_ids":[]}})",
       ErrorCode::kCorrupt, "empty_layer"},
      {R"({"architecture":["amd64"],"os":"linux","rootfs":{"type":"layers","diff_ids":[]}})", ErrorCode::kCorrupt,
       "architecture"},
  };
  for (const Case& c : cases) {
    Result<ImageConfig> r = Parse(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), c.code) << c.json << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace ocitree::oci
