// Reading OCI image layouts built in a temporary directory: tags, errors,
// verification, and refusing symlinks and other non-files.
#include "oci/layout_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "oci/image_source.h"
#include "oci/layout_index.h"
#include "oci/limits.h"
#include "oci/oci_test_util.h"

namespace ocitree::oci {
namespace {

using testing::AddSimpleImage;
using testing::DescriptorJson;
using testing::LayoutBuilder;
using testing::SimpleImage;
using testing::TagAnnotation;
using testing::TempDir;
using testing::WriteFile;

std::unique_ptr<LayoutSource> OpenOk(const std::string& dir, const std::string& tag = "") {
  Result<std::unique_ptr<LayoutSource>> s = LayoutSource::Open(dir, tag);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

Result<std::string> ReadAll(ByteReader& r) {
  std::string out;
  uint8_t buf[3];
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, r.Read(buf));
    if (n == 0) return out;
    out.append(buf, buf + n);
  }
}

class OciLayoutTest : public ::testing::Test {
 protected:
  OciLayoutTest() : layout_(tmp_.Sub("layout")) {}
  TempDir tmp_;
  LayoutBuilder layout_;
};

TEST_F(OciLayoutTest, TopLevelByTag) {
  SimpleImage a = AddSimpleImage(layout_, "amd64");
  SimpleImage b = AddSimpleImage(layout_, "arm64");
  layout_.WriteIndex(DescriptorJson(a.manifest, TagAnnotation("a")) + "," +
                     DescriptorJson(b.manifest, TagAnnotation("b")));
  auto source = OpenOk(layout_.dir(), "b");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->Describe(), "oci:" + layout_.dir() + ":b");
  EXPECT_EQ(source->index().manifests.size(), 2u);
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(top->first.digest, b.manifest.digest);
  EXPECT_EQ(testing::ToString(top->second), b.manifest_json);
}

TEST_F(OciLayoutTest, TheOnlyImageNeedsNoTag) {
  SimpleImage a = AddSimpleImage(layout_);
  layout_.WriteIndex(DescriptorJson(a.manifest));  // untagged, as skopeo can write
  auto source = OpenOk(layout_.dir());
  ASSERT_NE(source, nullptr);
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(top->first.digest, a.manifest.digest);
}

TEST_F(OciLayoutTest, SeveralImagesNeedATag) {
  SimpleImage a = AddSimpleImage(layout_, "amd64");
  SimpleImage b = AddSimpleImage(layout_, "arm64");
  layout_.WriteIndex(DescriptorJson(a.manifest, TagAnnotation("v1")) + "," +
                     DescriptorJson(b.manifest, TagAnnotation("v2")) + "," + DescriptorJson(a.manifest));
  auto source = OpenOk(layout_.dir());
  ASSERT_NE(source, nullptr);
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kInvalidArgument);
  const std::string& msg = top.status().message();
  EXPECT_NE(msg.find("3 images"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'v1', 'v2', untagged sha256:" + a.manifest.digest.Hex().substr(0, 12)), std::string::npos)
      << msg;
}

TEST_F(OciLayoutTest, UnknownTagListsTags) {
  SimpleImage a = AddSimpleImage(layout_);
  layout_.WriteIndex(DescriptorJson(a.manifest, TagAnnotation("latest")));
  auto source = OpenOk(layout_.dir(), "nope");
  ASSERT_NE(source, nullptr);
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(top.status().message().find("'nope'"), std::string::npos);
  EXPECT_NE(top.status().message().find("'latest'"), std::string::npos);
}

TEST_F(OciLayoutTest, EmptyLayout) {
  layout_.WriteIndex("");
  auto source = OpenOk(layout_.dir());
  ASSERT_NE(source, nullptr);
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(top.status().message().find("no images"), std::string::npos);
}

TEST_F(OciLayoutTest, BadLayoutFiles) {
  // No index.json yet.
  Result<std::unique_ptr<LayoutSource>> s = LayoutSource::Open(layout_.dir(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kNotFound);

  layout_.WriteIndex("");
  WriteFile(layout_.dir() + "/oci-layout", R"({"imageLayoutVersion":"2.0.0"})");
  s = LayoutSource::Open(layout_.dir(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kUnsupported);

  WriteFile(layout_.dir() + "/oci-layout", R"({})");
  s = LayoutSource::Open(layout_.dir(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt);

  WriteFile(layout_.dir() + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  WriteFile(layout_.dir() + "/index.json", R"({"schemaVersion":2,"manifests":[)");
  s = LayoutSource::Open(layout_.dir(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.status().message().find("index.json"), std::string::npos);

  ASSERT_EQ(::unlink((layout_.dir() + "/oci-layout").c_str()), 0);
  s = LayoutSource::Open(layout_.dir(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(s.status().message().find("not an OCI image layout"), std::string::npos);

  s = LayoutSource::Open(tmp_.Sub("missing"), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kNotFound);
}

TEST_F(OciLayoutTest, IndexJsonMayNotBeASymlink) {
  SimpleImage a = AddSimpleImage(layout_);
  WriteFile(tmp_.Sub("elsewhere.json"), "{\"schemaVersion\":2,\"manifests\":[" + DescriptorJson(a.manifest) + "]}");
  ASSERT_EQ(::symlink(tmp_.Sub("elsewhere.json").c_str(), (layout_.dir() + "/index.json").c_str()), 0);
  Result<std::unique_ptr<LayoutSource>> s = LayoutSource::Open(layout_.dir(), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.status().message().find("symlink"), std::string::npos) << s.status().message();
}

TEST_F(OciLayoutTest, BlobsAreVerified) {
  SimpleImage a = AddSimpleImage(layout_, "amd64", "layer bytes");
  layout_.WriteIndex(DescriptorJson(a.manifest));
  auto source = OpenOk(layout_.dir());
  ASSERT_NE(source, nullptr);

  auto reader = source->OpenBlob(a.layer);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Result<std::string> content = ReadAll(**reader);
  ASSERT_TRUE(content.ok()) << content.status().message();
  EXPECT_EQ(*content, "layer bytes");

  // Same size, other bytes: found out at the end of the stream.
  WriteFile(layout_.BlobFile(a.layer), "LAYER BYTES");
  reader = source->OpenBlob(a.layer);
  ASSERT_TRUE(reader.ok());
  content = ReadAll(**reader);
  ASSERT_FALSE(content.ok());
  EXPECT_EQ(content.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(content.status().message().find("digest mismatch"), std::string::npos);

  // Other size: found out before reading.
  WriteFile(layout_.BlobFile(a.layer), "layer bytes, and more");
  reader = source->OpenBlob(a.layer);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kCorrupt);

  // ReadSmallBlob verifies the same way.
  WriteFile(layout_.BlobFile(a.config), std::string(a.config.size, ' '));
  Result<Bytes> config = source->ReadSmallBlob(a.config);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kCorrupt);
}

TEST_F(OciLayoutTest, MissingAndOversizedBlobs) {
  SimpleImage a = AddSimpleImage(layout_);
  layout_.WriteIndex(DescriptorJson(a.manifest));
  auto source = OpenOk(layout_.dir());
  ASSERT_NE(source, nullptr);
  Descriptor missing = testing::MakeDescriptor("application/octet-stream", "never written");
  auto reader = source->OpenBlob(missing);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(reader.status().message().find(missing.digest.ToString()), std::string::npos);

  Descriptor huge = a.config;
  huge.size = kMaxJsonSize + 1;
  Result<Bytes> small = source->ReadSmallBlob(huge);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), ErrorCode::kUnsupported);
}

TEST_F(OciLayoutTest, SymlinksAndSpecialFilesAreNotFollowed) {
  SimpleImage a = AddSimpleImage(layout_, "amd64", "secret-free layer");
  layout_.WriteIndex(DescriptorJson(a.manifest));
  auto source = OpenOk(layout_.dir());
  ASSERT_NE(source, nullptr);
  std::string blob = layout_.BlobFile(a.layer);

  // The blob itself a symlink (even to the right content).
  WriteFile(tmp_.Sub("outside"), "secret-free layer");
  ASSERT_EQ(::unlink(blob.c_str()), 0);
  ASSERT_EQ(::symlink(tmp_.Sub("outside").c_str(), blob.c_str()), 0);
  auto reader = source->OpenBlob(a.layer);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(reader.status().message().find("symlink"), std::string::npos);

  // A directory, then a FIFO (which must not hang the open).
  ASSERT_EQ(::unlink(blob.c_str()), 0);
  ASSERT_EQ(::mkdir(blob.c_str(), 0755), 0);
  reader = source->OpenBlob(a.layer);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kCorrupt);
  ASSERT_EQ(::rmdir(blob.c_str()), 0);
  ASSERT_EQ(::mkfifo(blob.c_str(), 0644), 0);
  reader = source->OpenBlob(a.layer);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(reader.status().message().find("regular file"), std::string::npos);

  // blobs/sha256 a symlink to a directory holding the right file.
  std::string real = tmp_.Sub("real-blobs");
  ASSERT_EQ(::mkdir(real.c_str(), 0755), 0);
  WriteFile(real + "/" + a.layer.digest.Hex(), "secret-free layer");
  ASSERT_EQ(::unlink(blob.c_str()), 0);
  testing::RunShell("mv " + layout_.dir() + "/blobs/sha256/* " + real + "/ && rmdir " + layout_.dir() + "/blobs/sha256");
  ASSERT_EQ(::symlink(real.c_str(), (layout_.dir() + "/blobs/sha256").c_str()), 0);
  reader = source->OpenBlob(a.layer);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), ErrorCode::kCorrupt);
}

TEST_F(OciLayoutTest, OpenImageSourceDispatches) {
  SimpleImage a = AddSimpleImage(layout_);
  layout_.WriteIndex(DescriptorJson(a.manifest, TagAnnotation("t")));
  Result<ImageReference> ref = ImageReference::Parse("oci:" + layout_.dir() + ":t");
  ASSERT_TRUE(ref.ok());
  auto source = OpenImageSource(*ref);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->Describe(), ref->ToString());
  EXPECT_TRUE((*source)->GetTopLevel().ok());

  ref = ImageReference::Parse("docker://alpine");
  ASSERT_TRUE(ref.ok());
  source = OpenImageSource(*ref);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(source.status().message().find("registry"), std::string::npos);

  bool called = false;
  source = OpenImageSource(*ref, [&](const ImageReference& r) -> Result<std::unique_ptr<ImageSource>> {
    called = true;
    EXPECT_EQ(r.repository, "library/alpine");
    return NotFound("test registry");
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(source.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ocitree::oci
