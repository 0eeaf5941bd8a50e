// Image reference parsing (oci:, oci-archive:, docker://), canonical
// spelling and the branch names derived from references.
#include "oci/image_reference.h"

#include <gtest/gtest.h>

#include "oci/ref_escape.h"

namespace ocitree::oci {
namespace {

constexpr char kHex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ImageReference ParseOk(std::string_view text) {
  Result<ImageReference> r = ImageReference::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  if (!r.ok()) return {};
  // Whatever parses must survive its own canonical spelling and branch name.
  Result<ImageReference> again = ImageReference::Parse(r->ToString());
  EXPECT_TRUE(again.ok()) << r->ToString();
  if (again.ok()) {
    EXPECT_EQ(*again, *r) << text;
  }
  Result<std::string> branch = r->EscapedBranch();
  EXPECT_TRUE(branch.ok()) << text;
  if (branch.ok()) {
    Result<ImageReference> back = ImageReference::FromBranch(*branch);
    EXPECT_TRUE(back.ok()) << *branch << ": " << back.status().message();
    if (back.ok()) {
      EXPECT_EQ(*back, *r) << *branch;
    }
  }
  return *r;
}

TEST(ImageReferenceTest, OciLayoutWithAndWithoutTag) {
  ImageReference r = ParseOk("oci:/srv/layout");
  EXPECT_EQ(r.transport, Transport::kOciLayout);
  EXPECT_EQ(r.path, "/srv/layout");
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.ToString(), "oci:/srv/layout");

  r = ParseOk("oci:/srv/layout:v1.2");
  EXPECT_EQ(r.path, "/srv/layout");
  EXPECT_EQ(r.tag, "v1.2");
  EXPECT_EQ(r.ToString(), "oci:/srv/layout:v1.2");

  r = ParseOk("oci:relative/dir:1.0+build_7-rc@x");
  EXPECT_EQ(r.path, "relative/dir");
  EXPECT_EQ(r.tag, "1.0+build_7-rc@x");
}

TEST(ImageReferenceTest, OciColonBeforeSlashBelongsToThePath) {
  ImageReference r = ParseOk("oci:/srv/a:b/c");
  EXPECT_EQ(r.path, "/srv/a:b/c");
  EXPECT_EQ(r.tag, "");
  r = ParseOk("oci:/srv/a:b/c:latest");
  EXPECT_EQ(r.path, "/srv/a:b/c");
  EXPECT_EQ(r.tag, "latest");
  r = ParseOk("oci:a:b:c");
  EXPECT_EQ(r.path, "a:b");
  EXPECT_EQ(r.tag, "c");
}

TEST(ImageReferenceTest, OciArchive) {
  ImageReference r = ParseOk("oci-archive:/tmp/image.tar:latest");
  EXPECT_EQ(r.transport, Transport::kOciArchive);
  EXPECT_EQ(r.path, "/tmp/image.tar");
  EXPECT_EQ(r.tag, "latest");
  EXPECT_EQ(r.ToString(), "oci-archive:/tmp/image.tar:latest");
  r = ParseOk("oci-archive:image.tar");
  EXPECT_EQ(r.path, "image.tar");
  EXPECT_EQ(r.tag, "");
}

TEST(ImageReferenceTest, OciErrors) {
  const char* bad[] = {"oci:", "oci::tag", "oci:dir:", "oci:dir:bad tag", "oci:dir:ta#g",
                       "oci-archive:", "oci-archive::x", "oci:dir:t*g"};
  for (const char* text : bad) {
    Result<ImageReference> r = ImageReference::Parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(ImageReferenceTest, DockerHubShortNames) {
  ImageReference r = ParseOk("docker://alpine");
  EXPECT_EQ(r.transport, Transport::kDocker);
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "library/alpine");
  EXPECT_EQ(r.tag, "latest");
  EXPECT_FALSE(r.digest.has_value());
  EXPECT_EQ(r.ToString(), "docker://docker.io/library/alpine:latest");

  r = ParseOk("docker://alpine:3.19");
  EXPECT_EQ(r.repository, "library/alpine");
  EXPECT_EQ(r.tag, "3.19");

  r = ParseOk("docker://foo/bar");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "foo/bar");
  EXPECT_EQ(r.ToString(), "docker://docker.io/foo/bar:latest");

  r = ParseOk("docker://index.docker.io/library/debian:bookworm");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "library/debian");

  r = ParseOk("docker://docker.io/alpine");
  EXPECT_EQ(r.repository, "library/alpine");
}

TEST(ImageReferenceTest, DockerHosts) {
  ImageReference r = ParseOk("docker://quay.io/fedora/fedora:40");
  EXPECT_EQ(r.registry, "quay.io");
  EXPECT_EQ(r.repository, "fedora/fedora");
  EXPECT_EQ(r.tag, "40");

  r = ParseOk("docker://localhost/foo");
  EXPECT_EQ(r.registry, "localhost");
  EXPECT_EQ(r.repository, "foo");  // no library/ outside Docker Hub

  r = ParseOk("docker://localhost:5000/foo/bar:t");
  EXPECT_EQ(r.registry, "localhost:5000");
  EXPECT_EQ(r.repository, "foo/bar");
  EXPECT_EQ(r.tag, "t");

  r = ParseOk("docker://registry:5000/foo");
  EXPECT_EQ(r.registry, "registry:5000");
  EXPECT_EQ(r.repository, "foo");

  r = ParseOk("docker://127.0.0.1:5000/a/b/c:v1");
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "a/b/c");

  r = ParseOk("docker://[::1]:5000/foo:x");
  EXPECT_EQ(r.registry, "[::1]:5000");
  EXPECT_EQ(r.repository, "foo");
  EXPECT_EQ(r.tag, "x");

  // An uppercase first component can only be a host name.
  r = ParseOk("docker://MyHost/foo");
  EXPECT_EQ(r.registry, "MyHost");
  EXPECT_EQ(r.repository, "foo");

  // Without a '/', "localhost" is an image name on Docker Hub.
  r = ParseOk("docker://localhost:5000");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "library/localhost");
  EXPECT_EQ(r.tag, "5000");

  r = ParseOk("docker://my-registry.example.com/a.b_c__d---e/f:Tag_1.0-x");
  EXPECT_EQ(r.repository, "a.b_c__d---e/f");
  EXPECT_EQ(r.tag, "Tag_1.0-x");
}

TEST(ImageReferenceTest, DockerDigest) {
  std::string text = std::string("docker://alpine@sha256:") + kHex;
  ImageReference r = ParseOk(text);
  EXPECT_EQ(r.repository, "library/alpine");
  EXPECT_EQ(r.tag, "");
  ASSERT_TRUE(r.digest.has_value());
  EXPECT_EQ(r.digest->Hex(), kHex);
  EXPECT_EQ(r.ToString(), std::string("docker://docker.io/library/alpine@sha256:") + kHex);

  r = ParseOk(std::string("docker://localhost:5000/x@sha256:") + kHex);
  EXPECT_EQ(r.registry, "localhost:5000");
}

TEST(ImageReferenceTest, DockerErrors) {
  std::string long_tag(129, 'a');
  std::string long_name = "docker://example.com/" + std::string(250, 'a');
  std::string both = std::string("docker://alpine:3@sha256:") + kHex;
  const std::string bad[] = {
      "docker://",
      "docker://Alpine",
      "docker://foo/Bar",
      "docker://alpine:",
      "docker://alpine:-x",
      "docker://alpine:" + long_tag,
      "docker://alpine@sha256:abc",
      "docker://foo//bar",
      "docker://foo/-bar",
      "docker://foo/bar-",
      "docker://foo/a..b",
      "docker://foo/a___b",
      "docker://host:port/x",
      "docker://host:/x",
      "docker://-host.com/x",
      "docker://[zz]:5000/x",
      "docker://example.com/",
      "docker://@sha256:" + std::string(kHex),
      both,
      long_name,
      "docker:alpine",
      "docker:/alpine",
      "alpine",
      "dir:/tmp/x",
      "",
  };
  for (const std::string& text : bad) {
    Result<ImageReference> r = ImageReference::Parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << text << ": " << r.status().message();
  }
  Result<ImageReference> sha512 = ImageReference::Parse("docker://alpine@sha512:" + std::string(128, 'a'));
  ASSERT_FALSE(sha512.ok());
  EXPECT_EQ(sha512.status().code(), ErrorCode::kUnsupported);
}

TEST(ImageReferenceTest, ErrorsNameTheReference) {
  Result<ImageReference> r = ImageReference::Parse("docker://Alpine");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("docker://Alpine"), std::string::npos);
  EXPECT_NE(r.status().message().find("lowercase"), std::string::npos);
}

TEST(ImageReferenceTest, EscapedBranchIsOneValidRefComponent) {
  ImageReference r = ParseOk("docker://alpine:3.19");
  Result<std::string> branch = r.EscapedBranch();
  ASSERT_TRUE(branch.ok());
  EXPECT_EQ(*branch, "ocitree/image/docker_3A_2F_2Fdocker.io_2Flibrary_2Falpine_3A3.19");
  EXPECT_TRUE(IsValidRefComponent(branch->substr(kImageBranchPrefix.size())));

  r = ParseOk("oci:/my_dir/x:v1");
  branch = r.EscapedBranch();
  ASSERT_TRUE(branch.ok());
  EXPECT_EQ(*branch, "ocitree/image/oci_3A_2Fmy_5Fdir_2Fx_3Av1");
}

TEST(ImageReferenceTest, EscapedBranchesOfNestedPathsDoNotCollide) {
  Result<std::string> a = ParseOk("oci:/a/b").EscapedBranch();
  Result<std::string> b = ParseOk("oci:/a/b/c").EscapedBranch();
  ASSERT_TRUE(a.ok() && b.ok());
  // One component each: neither is a directory the other would need.
  EXPECT_EQ(a->find('/', kImageBranchPrefix.size()), std::string::npos);
  EXPECT_EQ(b->find('/', kImageBranchPrefix.size()), std::string::npos);
}

TEST(ImageReferenceTest, TooLongForABranch) {
  Result<ImageReference> r = ImageReference::Parse("oci:/" + std::string(300, 'a'));
  ASSERT_TRUE(r.ok());
  Result<std::string> branch = r->EscapedBranch();
  ASSERT_FALSE(branch.ok());
  EXPECT_EQ(branch.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ImageReferenceTest, FromBranchRejectsForeignNames) {
  EXPECT_FALSE(ImageReference::FromBranch("other/branch").ok());
  EXPECT_FALSE(ImageReference::FromBranch("ocitree/image/not_escaped").ok());
  EXPECT_FALSE(ImageReference::FromBranch("ocitree/image/").ok());
}

TEST(ImageReferenceTest, RefEscapeRoundTripsAnyBytes) {
  std::string all;
  for (int c = 1; c < 256; c++) all += static_cast<char>(c);
  const std::string cases[] = {"a", ".hidden", "-dash", "_under", "a.b-c", "é", all, "x/y:z@w"};
  for (const std::string& text : cases) {
    std::string escaped = EscapeRefComponent(text);
    EXPECT_TRUE(IsValidRefComponent(escaped.substr(0, kMaxRefComponent))) << escaped;
    Result<std::string> back = UnescapeRefComponent(escaped);
    ASSERT_TRUE(back.ok()) << escaped << ": " << back.status().message();
    EXPECT_EQ(*back, text);
  }
  EXPECT_EQ(EscapeRefComponent(".hidden"), "_2Ehidden");
  EXPECT_EQ(EscapeRefComponent("é"), "_C3_A9");
  EXPECT_EQ(EscapeRefComponent("a_b"), "a_5Fb");
}

TEST(ImageReferenceTest, RefUnescapeAcceptsOnlyOneSpelling) {
  const char* bad[] = {"_3a", "_41", "_3", "_", "a/b", "a_2", ".x", "a:b", "_2E_2E"};
  for (const char* text : bad) {
    // "_2E_2E" decodes to ".." whose second '.' needed no escape.
    EXPECT_FALSE(UnescapeRefComponent(text).ok()) << text;
  }
  EXPECT_TRUE(UnescapeRefComponent("_2E.").ok());
}

TEST(ImageReferenceTest, TransportNames) {
  EXPECT_EQ(TransportName(Transport::kOciLayout), "oci");
  EXPECT_EQ(TransportName(Transport::kOciArchive), "oci-archive");
  EXPECT_EQ(TransportName(Transport::kDocker), "docker");
}

}  // namespace
}  // namespace ocitree::oci
