// Writing oci-archive files: what skopeo, GNU tar, oci-image-tool, umoci and
// our own ArchiveSource make of them, replacement, determinism, and that
// nothing is left beside the file.
#include "oci/archive_destination.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "oci/archive_source.h"
#include "oci/destination_test_util.h"
#include "oci/layout_index.h"
#include "oci/media_types.h"

namespace ocitree::oci {
namespace {

using testing::List;
using testing::PushedImage;
using testing::PushImage;
using testing::ReadText;
using testing::RunTool;
using testing::TempDir;
using testing::WriteFile;

class ArchiveDestinationTest : public ::testing::Test {
 protected:
  std::string File() const { return tmp_.Sub("image.tar"); }

  PushedImage PushAndCommit(const std::string& tag, const std::string& seed) {
    auto dest = ArchiveDestination::Open(File(), tag);
    EXPECT_TRUE(dest.ok()) << dest.status().message();
    if (!dest.ok()) return {};
    auto img = PushImage(**dest, seed);
    EXPECT_TRUE(img.ok()) << img.status().message();
    if (!img.ok()) return {};
    Status s = (*dest)->Commit(img->manifest);
    EXPECT_TRUE(s.ok()) << s.message();
    return *img;
  }

  TempDir tmp_;
};

TEST_F(ArchiveDestinationTest, ToolsAcceptTheArchive) {
  PushedImage img = PushAndCommit("v1", "one");
  EXPECT_EQ(List(tmp_.path()), std::vector<std::string>{"image.tar"});  // nothing left beside it

  auto listing = RunTool("tar -tf " + File());
  ASSERT_TRUE(listing.has_value());
  std::vector<std::string> blobs = {img.manifest.digest.Hex(), img.config.digest.Hex(), img.layer.digest.Hex()};
  std::sort(blobs.begin(), blobs.end());
  std::string want = "oci-layout\nindex.json\nblobs/\nblobs/sha256/\n";
  for (const std::string& b : blobs) want += "blobs/sha256/" + b + "\n";
  EXPECT_EQ(*listing, want);

  auto inspect = RunTool("skopeo inspect --raw oci-archive:" + File() + ":v1");
  ASSERT_TRUE(inspect.has_value());
  EXPECT_EQ(*inspect, img.manifest_json);

  // oci-image-tool cannot walk tar files (rc1 fails on skopeo's archives
  // too), and umoci reads directories: both judge the extracted layout.
  const std::string extracted = tmp_.Sub("extracted");
  ASSERT_EQ(::mkdir(extracted.c_str(), 0755), 0);
  ASSERT_TRUE(RunTool("tar -xf " + File() + " -C " + extracted).has_value());
  EXPECT_TRUE(RunTool("oci-image-tool validate --type image --ref name=v1 " + extracted).has_value());
  const std::string bundle = tmp_.Sub("bundle");
  ASSERT_TRUE(RunTool("umoci unpack --rootless --image " + extracted + ":v1 " + bundle).has_value());
  for (const auto& [path, content] : img.files) EXPECT_EQ(ReadText(bundle + "/rootfs/" + path), content) << path;

  // And skopeo copies it out of the archive intact.
  const std::string copy = tmp_.Sub("copy");
  ASSERT_TRUE(RunTool("skopeo copy oci-archive:" + File() + ":v1 oci:" + copy + ":v1").has_value());
  EXPECT_EQ(ReadText(copy + "/" + BlobPath(img.layer.digest)),
            ReadText(extracted + "/" + BlobPath(img.layer.digest)));
}

TEST_F(ArchiveDestinationTest, ArchiveSourceReadsItBack) {
  PushedImage img = PushAndCommit("v1", "one");
  auto source = ArchiveSource::Open(File(), "v1");
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto top = (*source)->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(top->first.digest, img.manifest.digest);
  auto config = (*source)->ReadSmallBlob(img.config);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(testing::ToString(*config).find(img.diff_id.ToString()), std::string::npos);
  auto layer = (*source)->OpenBlob(img.layer);
  ASSERT_TRUE(layer.ok());
  uint8_t buf[65536];
  uint64_t total = 0;
  for (;;) {
    auto n = (*layer)->Read(buf);
    ASSERT_TRUE(n.ok()) << n.status().message();  // digest and size verified at the end
    if (*n == 0) break;
    total += *n;
  }
  EXPECT_EQ(total, img.layer.size);
}

TEST_F(ArchiveDestinationTest, SameImageSameBytes) {
  PushAndCommit("v1", "one");
  const std::string first = ReadText(File());
  PushAndCommit("v1", "one");
  EXPECT_EQ(ReadText(File()), first);
}

TEST_F(ArchiveDestinationTest, ReplacesAnExistingArchiveWhole) {
  PushAndCommit("v1", "one");
  PushedImage b = PushAndCommit("v2", "two");
  auto source = ArchiveSource::Open(File(), "");
  ASSERT_TRUE(source.ok()) << source.status().message();
  ASSERT_EQ((*source)->index().manifests.size(), 1u);
  EXPECT_EQ((*source)->index().manifests[0].Annotation(kRefNameAnnotation), "v2");
  EXPECT_EQ((*source)->index().manifests[0].digest, b.manifest.digest);
  // Only b's files: oci-layout, index.json and 3 blobs (directories are
  // not members).
  EXPECT_EQ((*source)->members().size(), 5u);
  // Untagged, as skopeo writes oci-archive:FILE.
  PushAndCommit("", "three");
  EXPECT_EQ(ReadText(File()).find(kRefNameAnnotation), std::string::npos);
  EXPECT_TRUE(RunTool("skopeo inspect oci-archive:" + File()).has_value());
}

TEST_F(ArchiveDestinationTest, NothingChangesWithoutCommit) {
  PushAndCommit("v1", "one");
  const std::string before = ReadText(File());
  {
    auto dest = ArchiveDestination::Open(File(), "v2");
    ASSERT_TRUE(dest.ok()) << dest.status().message();
    ASSERT_TRUE(PushImage(**dest, "two").ok());
    auto w = (*dest)->StartBlob("application/octet-stream");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(AsBytes("half a blob")).ok());
    // The staging directory sits beside the file meanwhile, and only there.
    EXPECT_EQ(List(tmp_.path()).size(), 2u);
  }
  EXPECT_EQ(List(tmp_.path()), std::vector<std::string>{"image.tar"});
  EXPECT_EQ(ReadText(File()), before);
  // A Commit that fails leaves nothing either.
  {
    auto dest = ArchiveDestination::Open(File(), "v2");
    ASSERT_TRUE(dest.ok());
    EXPECT_EQ((*dest)->Commit(testing::MakeDescriptor(kOciManifestType, "{}")).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ((*dest)->StartBlob("x/y").status().code(), ErrorCode::kInternal);
  }
  EXPECT_EQ(List(tmp_.path()), std::vector<std::string>{"image.tar"});
  EXPECT_EQ(ReadText(File()), before);
}

TEST_F(ArchiveDestinationTest, BlobsAreDeduplicatedWithinTheArchive) {
  auto dest = ArchiveDestination::Open(File(), "v1");
  ASSERT_TRUE(dest.ok());
  const Digest d = Digest::Of(AsBytes("blob"));
  EXPECT_FALSE(*(*dest)->HasBlob(d, 4));
  auto first = (*dest)->PutBlob("application/octet-stream", AsBytes("blob"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->existed);
  EXPECT_TRUE(*(*dest)->HasBlob(d, 4));
  auto second = (*dest)->PutBlob("application/octet-stream", AsBytes("blob"));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->existed);
}

TEST_F(ArchiveDestinationTest, RefusesWhatIsNotAFile) {
  const std::string real = tmp_.Sub("real.tar");
  WriteFile(real, "precious");
  ASSERT_EQ(::symlink(real.c_str(), File().c_str()), 0);
  auto dest = ArchiveDestination::Open(File(), "v1");
  ASSERT_FALSE(dest.ok());
  EXPECT_EQ(dest.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(dest.status().message().find("symlink"), std::string::npos) << dest.status().message();
  ASSERT_EQ(::unlink(File().c_str()), 0);
  ASSERT_EQ(::mkdir(File().c_str(), 0755), 0);
  EXPECT_EQ(ArchiveDestination::Open(File(), "v1").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ArchiveDestination::Open(tmp_.Sub("missing/image.tar"), "v1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ArchiveDestination::Open(tmp_.path() + "/", "v1").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadText(real), "precious");
  EXPECT_EQ(List(tmp_.path()), (std::vector<std::string>{"image.tar", "real.tar"}));
}

TEST_F(ArchiveDestinationTest, OpenedThroughTheReference) {
  auto ref = ImageReference::Parse("oci-archive:" + File() + ":v1");
  ASSERT_TRUE(ref.ok());
  auto dest = OpenImageDestination(*ref);
  ASSERT_TRUE(dest.ok()) << dest.status().message();
  EXPECT_EQ((*dest)->Describe(), "oci-archive:" + File() + ":v1");
  auto img = PushImage(**dest, "one");
  ASSERT_TRUE(img.ok());
  ASSERT_TRUE((*dest)->Commit(img->manifest).ok());
  EXPECT_TRUE(RunTool("skopeo inspect oci-archive:" + File() + ":v1").has_value());
}

}  // namespace
}  // namespace ocitree::oci
