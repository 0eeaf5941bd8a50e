// References to URLs: Docker Hub's API host and library/ names, ports and
// IPv6 hosts, tags and digests, the pull scope.
#include "registry/registry_endpoint.h"

#include <gtest/gtest.h>

namespace ocitree::registry {
namespace {

std::string ManifestUrl(std::string_view text) {
  auto ref = oci::ImageReference::Parse(text);
  EXPECT_TRUE(ref.ok()) << ref.status().message();
  if (!ref.ok()) return "";
  return BaseUrl("https", ref->registry) + ManifestPath(ref->repository, ManifestReference(*ref));
}

TEST(RegistryEndpointTest, DockerHub) {
  EXPECT_EQ(ManifestUrl("docker://alpine"), "https://registry-1.docker.io/v2/library/alpine/manifests/latest");
  EXPECT_EQ(ManifestUrl("docker://docker.io/alpine:3.19"),
            "https://registry-1.docker.io/v2/library/alpine/manifests/3.19");
  EXPECT_EQ(ManifestUrl("docker://index.docker.io/user/app:v1"),
            "https://registry-1.docker.io/v2/user/app/manifests/v1");
  EXPECT_EQ(ApiHost("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(ApiHost("index.docker.io"), "registry-1.docker.io");
}

TEST(RegistryEndpointTest, OtherRegistries) {
  EXPECT_EQ(ManifestUrl("docker://quay.io/ns/img:tag"), "https://quay.io/v2/ns/img/manifests/tag");
  EXPECT_EQ(ManifestUrl("docker://localhost:5000/a/b/c"), "https://localhost:5000/v2/a/b/c/manifests/latest");
  EXPECT_EQ(ManifestUrl("docker://127.0.0.1:8080/x:1"), "https://127.0.0.1:8080/v2/x/manifests/1");
  EXPECT_EQ(ManifestUrl("docker://[::1]:5000/x:1"), "https://[::1]:5000/v2/x/manifests/1");
  EXPECT_EQ(BaseUrl("http", "localhost:5000"), "http://localhost:5000");
}

TEST(RegistryEndpointTest, DigestsBlobsTagsScope) {
  std::string hex(64, 'a');
  EXPECT_EQ(ManifestUrl("docker://quay.io/ns/img@sha256:" + hex), "https://quay.io/v2/ns/img/manifests/sha256:" + hex);
  auto digest = oci::Digest::Parse("sha256:" + hex);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(BlobPath("library/alpine", *digest), "/v2/library/alpine/blobs/sha256:" + hex);
  EXPECT_EQ(TagsPath("library/alpine"), "/v2/library/alpine/tags/list");
  EXPECT_EQ(PullScope("library/alpine"), "repository:library/alpine:pull");
}

TEST(RegistryEndpointTest, AcceptListsEveryManifestType) {
  std::string accept = ManifestAcceptHeader();
  EXPECT_TRUE(accept.starts_with("Accept: application/vnd.oci.image.manifest.v1+json, "));
  for (const char* t : {"application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.oci.image.index.v1+json",
                        "application/vnd.docker.distribution.manifest.v1+prettyjws"}) {
    EXPECT_NE(accept.find(t), std::string::npos) << t;
  }
}

}  // namespace
}  // namespace ocitree::registry
