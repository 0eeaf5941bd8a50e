// oci-archive: layouts tarred by GNU tar in several formats, read in place.
#include "oci/archive_source.h"

#include <gtest/gtest.h>

#include "oci/image_source.h"
#include "oci/oci_test_util.h"
#include "oci/resolve.h"

namespace ocitree::oci {
namespace {

using testing::AddSimpleImage;
using testing::DescriptorJson;
using testing::LayoutBuilder;
using testing::RunShell;
using testing::SimpleImage;
using testing::TagAnnotation;
using testing::TempDir;
using testing::WriteFile;

Result<std::string> ReadAll(ByteReader& r) {
  std::string out;
  uint8_t buf[4096];
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, r.Read(buf));
    if (n == 0) return out;
    out.append(buf, buf + n);
  }
}

class OciArchiveTest : public ::testing::Test {
 protected:
  OciArchiveTest() : layout_(tmp_.Sub("layout")) {
    // Big enough to span many tar blocks and need PAX/GNU size handling never.
    std::string layer(100000, '\0');
    for (size_t i = 0; i < layer.size(); i++) layer[i] = static_cast<char>(i * 7 + i / 251);
    image_ = AddSimpleImage(layout_, "amd64", layer);
    layer_content_ = layer;
    layout_.WriteIndex(DescriptorJson(image_.manifest, TagAnnotation("v1")));
  }

  std::string Tar(const std::string& name, const std::string& options = "",
                  const std::string& members = ".") {
    std::string file = tmp_.Sub(name);
    EXPECT_TRUE(RunShell("/usr/bin/tar -C " + layout_.dir() + " " + options + " -cf " + file + " " + members))
        << options;
    return file;
  }

  void ExpectReadable(const std::string& file) {
    Result<std::unique_ptr<ArchiveSource>> source = ArchiveSource::Open(file, "v1");
    ASSERT_TRUE(source.ok()) << source.status().message();
    EXPECT_EQ((*source)->Describe(), "oci-archive:" + file + ":v1");
    auto top = (*source)->GetTopLevel();
    ASSERT_TRUE(top.ok()) << top.status().message();
    EXPECT_EQ(top->first.digest, image_.manifest.digest);
    EXPECT_EQ(testing::ToString(top->second), image_.manifest_json);
    auto reader = (*source)->OpenBlob(image_.layer);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    Result<std::string> layer = ReadAll(**reader);
    ASSERT_TRUE(layer.ok()) << layer.status().message();
    EXPECT_EQ(*layer, layer_content_);
    Result<ResolvedImage> resolved = ResolveImage(**source, Platform{"linux", "amd64", "", ""});
    ASSERT_TRUE(resolved.ok()) << resolved.status().message();
    EXPECT_EQ(testing::ToString(resolved->config_bytes), image_.config_json);
  }

  TempDir tmp_;
  LayoutBuilder layout_;
  SimpleImage image_;
  std::string layer_content_;
};

TEST_F(OciArchiveTest, GnuTarWithDotSlashNames) {
  std::string file = Tar("image.tar");
  ExpectReadable(file);
  auto source = ArchiveSource::Open(file, "");
  ASSERT_TRUE(source.ok());
  const auto& members = (*source)->members();
  EXPECT_TRUE(members.count("oci-layout"));
  EXPECT_TRUE(members.count("index.json"));
  ASSERT_TRUE(members.count("blobs/sha256/" + image_.layer.digest.Hex()));
  EXPECT_EQ(members.at("blobs/sha256/" + image_.layer.digest.Hex()).size, image_.layer.size);
  EXPECT_FALSE(members.count("blobs"));  // directories are not members
}

TEST_F(OciArchiveTest, PaxAndUstarAndBareNames) {
  ExpectReadable(Tar("pax.tar", "--format=pax"));
  ExpectReadable(Tar("ustar.tar", "--format=ustar"));
  ExpectReadable(Tar("bare.tar", "", "oci-layout index.json blobs"));
}

TEST_F(OciArchiveTest, AbsoluteAndDotNamesNormalise) {
  std::string file = tmp_.Sub("abs.tar");
  ASSERT_TRUE(RunShell("/usr/bin/tar -C " + layout_.dir() + " --transform='s,^,/./,' -P -cf " + file +
                  " oci-layout index.json blobs"));
  ExpectReadable(file);
}

TEST_F(OciArchiveTest, LastDuplicateMemberWins) {
  std::string file = Tar("dup.tar", "");
  // Append a second index.json that tags the same image "v2" only.
  layout_.WriteIndex(DescriptorJson(image_.manifest, TagAnnotation("v2")));
  ASSERT_TRUE(RunShell("/usr/bin/tar -C " + layout_.dir() + " -rf " + file + " ./index.json"));
  auto source = ArchiveSource::Open(file, "v2");
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_TRUE((*source)->GetTopLevel().ok());
  source = ArchiveSource::Open(file, "v1");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->GetTopLevel().status().code(), ErrorCode::kNotFound);
}

TEST_F(OciArchiveTest, HardlinkMembersShareContent) {
  // tar stores the second name of a hardlinked file as a link to the first.
  ASSERT_TRUE(RunShell("cd " + layout_.dir() + " && mv index.json aaa.json && ln aaa.json index.json"));
  std::string file = Tar("links.tar", "");
  auto source = ArchiveSource::Open(file, "v1");
  ASSERT_TRUE(source.ok()) << source.status().message();
  const auto& members = (*source)->members();
  ASSERT_TRUE(members.count("index.json") && members.count("aaa.json"));
  EXPECT_EQ(members.at("index.json").offset, members.at("aaa.json").offset);
  EXPECT_TRUE((*source)->GetTopLevel().ok());
}

TEST_F(OciArchiveTest, SymlinkMembersAreNotFollowed) {
  ASSERT_TRUE(RunShell("cd " + layout_.dir() + " && mv index.json real.json && ln -s real.json index.json"));
  std::string file = Tar("symlink.tar", "");
  auto source = ArchiveSource::Open(file, "v1");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kNotFound);
}

TEST_F(OciArchiveTest, CorruptBlobInsideArchive) {
  WriteFile(layout_.BlobFile(image_.layer), std::string(image_.layer.size, 'z'));
  std::string file = Tar("bad.tar", "");
  auto source = ArchiveSource::Open(file, "v1");
  ASSERT_TRUE(source.ok());
  auto reader = (*source)->OpenBlob(image_.layer);
  ASSERT_TRUE(reader.ok());
  Result<std::string> layer = ReadAll(**reader);
  ASSERT_FALSE(layer.ok());
  EXPECT_EQ(layer.status().code(), ErrorCode::kCorrupt);
  Descriptor wrong_size = image_.layer;
  wrong_size.size += 1;
  EXPECT_EQ((*source)->OpenBlob(wrong_size).status().code(), ErrorCode::kCorrupt);
  Descriptor missing = testing::MakeDescriptor("application/octet-stream", "absent");
  EXPECT_EQ((*source)->OpenBlob(missing).status().code(), ErrorCode::kNotFound);
}

TEST_F(OciArchiveTest, NotAnArchive) {
  std::string junk = tmp_.Sub("junk.tar");
  WriteFile(junk, std::string(1536, 'x'));
  auto source = ArchiveSource::Open(junk, "");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kCorrupt) << source.status().message();

  std::string other = tmp_.Sub("other.tar");
  ASSERT_TRUE(RunShell("/usr/bin/tar -C " + layout_.dir() + " -cf " + other + " index.json"));
  source = ArchiveSource::Open(other, "");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(source.status().message().find("oci-layout"), std::string::npos);

  source = ArchiveSource::Open(tmp_.path(), "");
  ASSERT_FALSE(source.ok());

  source = ArchiveSource::Open(tmp_.Sub("absent.tar"), "");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kNotFound);
}

TEST_F(OciArchiveTest, TruncatedArchive) {
  std::string file = Tar("image.tar");
  ASSERT_TRUE(RunShell("truncate -s 20000 " + file));
  auto source = ArchiveSource::Open(file, "v1");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kCorrupt);
}

TEST_F(OciArchiveTest, OpenImageSourceDispatches) {
  std::string file = Tar("image.tar");
  Result<ImageReference> ref = ImageReference::Parse("oci-archive:" + file + ":v1");
  ASSERT_TRUE(ref.ok());
  auto source = OpenImageSource(*ref);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_TRUE((*source)->GetTopLevel().ok());
}

}  // namespace
}  // namespace ocitree::oci
