// Writing OCI image layouts: what skopeo, oci-image-tool, umoci and our own
// reader make of them, tags, atomicity, and refusing what is not ours.
#include "oci/layout_destination.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "compress/decompress.h"
#include "oci/destination_test_util.h"
#include "oci/image_destination.h"
#include "oci/layout_index.h"
#include "oci/layout_source.h"
#include "oci/media_types.h"
#include "tar/tar_reader.h"

namespace ocitree::oci {
namespace {

using testing::List;
using testing::PushedImage;
using testing::PushImage;
using testing::ReadText;
using testing::RunTool;
using testing::TempDir;
using testing::WriteFile;

std::unique_ptr<ImageDestination> OpenOk(const std::string& text) {
  auto ref = ImageReference::Parse(text);
  EXPECT_TRUE(ref.ok()) << ref.status().message();
  if (!ref.ok()) return nullptr;
  auto dest = OpenImageDestination(*ref);
  EXPECT_TRUE(dest.ok()) << dest.status().message();
  return dest.ok() ? std::move(*dest) : nullptr;
}

// Opens `ref`, pushes an image seeded with `seed`, commits.
PushedImage PushAndCommit(const std::string& ref, const std::string& seed) {
  auto dest = OpenOk(ref);
  if (dest == nullptr) return {};
  auto img = PushImage(*dest, seed);
  EXPECT_TRUE(img.ok()) << img.status().message();
  if (!img.ok()) return {};
  Status s = dest->Commit(img->manifest);
  EXPECT_TRUE(s.ok()) << s.message();
  return *img;
}

std::string ReadAllText(ByteReader& r) {
  std::string out;
  uint8_t buf[65536];
  for (;;) {
    auto n = r.Read(buf);
    EXPECT_TRUE(n.ok()) << n.status().message();
    if (!n.ok() || *n == 0) return out;
    out.append(buf, buf + *n);
  }
}

// Reads the image back through LayoutSource: manifest, and the layer's
// files through gzip and the tar reader.
void ExpectReadsBack(const std::string& dir, const std::string& tag, const PushedImage& img) {
  auto source = LayoutSource::Open(dir, tag);
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto top = (*source)->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(top->first.digest, img.manifest.digest);
  EXPECT_EQ(testing::ToString(top->second), img.manifest_json);
  auto blob = (*source)->OpenBlob(img.layer);
  ASSERT_TRUE(blob.ok()) << blob.status().message();
  auto gunzip = NewDecompressor(Compression::kGzip, **blob);
  ASSERT_TRUE(gunzip.ok());
  tar::TarReader tar(**gunzip);
  tar::Entry e;
  std::map<std::string, std::string> files;
  for (;;) {
    auto more = tar.Next(&e);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    if (e.type == tar::EntryType::kRegular) files[e.path] = ReadAllText(tar.content());
  }
  const std::map<std::string, std::string> want(img.files.begin(), img.files.end());
  EXPECT_EQ(files, want);
}

class LayoutDestinationTest : public ::testing::Test {
 protected:
  std::string Dir() const { return tmp_.Sub("layout"); }
  TempDir tmp_;
};

TEST_F(LayoutDestinationTest, ToolsAcceptTheLayout) {
  PushedImage img = PushAndCommit("oci:" + Dir() + ":v1", "one");
  ExpectReadsBack(Dir(), "v1", img);

  auto inspect = RunTool("skopeo inspect oci:" + Dir() + ":v1");
  ASSERT_TRUE(inspect.has_value());
  EXPECT_NE(inspect->find(img.manifest.digest.ToString()), std::string::npos) << *inspect;
  EXPECT_NE(inspect->find(img.layer.digest.ToString()), std::string::npos) << *inspect;
  auto raw = RunTool("skopeo inspect --raw oci:" + Dir() + ":v1");
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(*raw, img.manifest_json);

  EXPECT_TRUE(RunTool("oci-image-tool validate --type image --ref name=v1 " + Dir()).has_value());

  const std::string bundle = tmp_.Sub("bundle");
  ASSERT_TRUE(RunTool("umoci unpack --rootless --image " + Dir() + ":v1 " + bundle).has_value());
  for (const auto& [path, content] : img.files) EXPECT_EQ(ReadText(bundle + "/rootfs/" + path), content) << path;
  char target[64] = {};
  ASSERT_GT(::readlink((bundle + "/rootfs/etc/link").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "hostname");
}

TEST_F(LayoutDestinationTest, LayoutFilesAndNoLeftovers) {
  PushedImage img = PushAndCommit("oci:" + Dir() + ":v1", "one");
  EXPECT_EQ(List(Dir()), (std::vector<std::string>{"blobs", "index.json", "oci-layout"}));
  EXPECT_EQ(ReadText(Dir() + "/oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  std::vector<std::string> blobs = {img.manifest.digest.Hex(), img.config.digest.Hex(), img.layer.digest.Hex()};
  std::sort(blobs.begin(), blobs.end());
  EXPECT_EQ(List(Dir() + "/blobs"), std::vector<std::string>{"sha256"});
  EXPECT_EQ(List(Dir() + "/blobs/sha256"), blobs);
}

TEST_F(LayoutDestinationTest, SameImageSameBytes) {
  const std::string other = tmp_.Sub("other");
  PushAndCommit("oci:" + Dir() + ":v1", "one");
  PushAndCommit("oci:" + other + ":v1", "one");
  EXPECT_EQ(ReadText(Dir() + "/index.json"), ReadText(other + "/index.json"));
  EXPECT_EQ(List(Dir() + "/blobs/sha256"), List(other + "/blobs/sha256"));
}

TEST_F(LayoutDestinationTest, RetaggingKeepsOtherTags) {
  PushedImage a = PushAndCommit("oci:" + Dir() + ":v1", "a");
  PushedImage b = PushAndCommit("oci:" + Dir() + ":v2", "b");
  PushedImage c = PushAndCommit("oci:" + Dir() + ":v1", "c");
  auto source = LayoutSource::Open(Dir(), "");
  ASSERT_TRUE(source.ok()) << source.status().message();
  const auto& entries = (*source)->index().manifests;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].Annotation(kRefNameAnnotation), "v1");
  EXPECT_EQ(entries[0].digest, c.manifest.digest);
  EXPECT_EQ(entries[1].Annotation(kRefNameAnnotation), "v2");
  EXPECT_EQ(entries[1].digest, b.manifest.digest);
  ExpectReadsBack(Dir(), "v1", c);
  ExpectReadsBack(Dir(), "v2", b);
  // a's blobs stay (unreferenced blobs are allowed); the tools still agree.
  struct stat st;
  EXPECT_EQ(::stat((Dir() + "/" + BlobPath(a.layer.digest)).c_str(), &st), 0);
  EXPECT_TRUE(RunTool("skopeo inspect oci:" + Dir() + ":v2").has_value());
  EXPECT_TRUE(RunTool("oci-image-tool validate --type image --ref name=v1 " + Dir()).has_value());
}

TEST_F(LayoutDestinationTest, UntaggedPushAsSkopeoWritesIt) {
  PushedImage img = PushAndCommit("oci:" + Dir(), "untagged");
  EXPECT_EQ(ReadText(Dir() + "/index.json").find(kRefNameAnnotation), std::string::npos);
  ExpectReadsBack(Dir(), "", img);
  EXPECT_TRUE(RunTool("skopeo inspect oci:" + Dir()).has_value());
}

TEST_F(LayoutDestinationTest, ExistingBlobsAreNotRewritten) {
  auto dest = OpenOk("oci:" + Dir() + ":v1");
  ASSERT_NE(dest, nullptr);
  auto first = dest->PutBlob("application/octet-stream", AsBytes("blob"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->existed);
  EXPECT_EQ(first->descriptor.size, 4u);
  EXPECT_EQ(first->descriptor.media_type, "application/octet-stream");
  EXPECT_EQ(first->descriptor.digest, Digest::Of(AsBytes("blob")));
  const std::string path = Dir() + "/" + BlobPath(first->descriptor.digest);
  struct stat before, after;
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  auto second = dest->PutBlob("application/octet-stream", AsBytes("blob"));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->existed);
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(*dest->HasBlob(first->descriptor.digest, 4), true);
  EXPECT_EQ(*dest->HasBlob(first->descriptor.digest, 5), false);
  EXPECT_EQ(*dest->HasBlob(Digest::Of(AsBytes("other")), 5), false);
  // A damaged copy (wrong size) does not count, and is replaced.
  WriteFile(path, "bl");
  EXPECT_EQ(*dest->HasBlob(first->descriptor.digest, 4), false);
  auto third = dest->PutBlob("application/octet-stream", AsBytes("blob"));
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->existed);
  EXPECT_EQ(ReadText(path), "blob");
}

TEST_F(LayoutDestinationTest, ExpectationsAreChecked) {
  PushAndCommit("oci:" + Dir() + ":v1", "one");
  const std::vector<std::string> blobs = List(Dir() + "/blobs/sha256");
  auto dest = OpenOk("oci:" + Dir() + ":v2");
  ASSERT_NE(dest, nullptr);
  // Wrong digest: kCorrupt at Commit, nothing kept.
  auto w = dest->StartBlob("application/octet-stream", {Digest::Of(AsBytes("expected")), std::nullopt});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(AsBytes("actual")).ok());
  EXPECT_EQ((*w)->Commit().status().code(), ErrorCode::kCorrupt);
  // Too many bytes: kCorrupt at once.
  w = dest->StartBlob("application/octet-stream", {std::nullopt, 3});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Write(AsBytes("four")).code(), ErrorCode::kCorrupt);
  EXPECT_EQ((*w)->Commit().status().code(), ErrorCode::kCorrupt);
  // Too few.
  w = dest->StartBlob("application/octet-stream", {std::nullopt, 3});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(AsBytes("tw")).ok());
  EXPECT_EQ((*w)->Commit().status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ((*w)->Commit().status().code(), ErrorCode::kInternal);
  w->reset();
  EXPECT_EQ(List(Dir() + "/blobs/sha256"), blobs);
  EXPECT_EQ(List(Dir()), (std::vector<std::string>{"blobs", "index.json", "oci-layout"}));
  // PutBlob takes the same expectation.
  EXPECT_EQ(dest->PutBlob("application/octet-stream", AsBytes("abc"), {Digest::Of(AsBytes("abd")), 3})
                .status()
                .code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(List(Dir() + "/blobs/sha256"), blobs);
  // Both match: stored.
  w = dest->StartBlob("application/octet-stream", {Digest::Of(AsBytes("right")), 5});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(AsBytes("right")).ok());
  EXPECT_TRUE((*w)->Commit().ok());
}

TEST_F(LayoutDestinationTest, FailureMidBlobChangesNothing) {
  PushAndCommit("oci:" + Dir() + ":v1", "one");
  const std::string index = ReadText(Dir() + "/index.json");
  const std::vector<std::string> blobs = List(Dir() + "/blobs/sha256");
  {
    auto dest = OpenOk("oci:" + Dir() + ":v2");
    ASSERT_NE(dest, nullptr);
    auto w = dest->StartBlob(std::string(kOciLayerGzip));
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(Bytes(1 << 20, 7)).ok());
    EXPECT_EQ((*w)->size(), 1u << 20);
    // The temporary file exists while the blob is written...
    EXPECT_EQ(List(Dir()).size(), 4u);
    // ...and the producer fails: the writer is dropped, then the destination.
  }
  EXPECT_EQ(List(Dir()), (std::vector<std::string>{"blobs", "index.json", "oci-layout"}));
  EXPECT_EQ(List(Dir() + "/blobs/sha256"), blobs);
  EXPECT_EQ(ReadText(Dir() + "/index.json"), index);
  // Blobs stored but never committed stay unreferenced; the index is as it was.
  {
    auto dest = OpenOk("oci:" + Dir() + ":v2");
    ASSERT_NE(dest, nullptr);
    ASSERT_TRUE(PushImage(*dest, "two").ok());
  }
  EXPECT_EQ(ReadText(Dir() + "/index.json"), index);
}

TEST_F(LayoutDestinationTest, NewDirectoryIsRemovedWithoutCommit) {
  {
    auto dest = OpenOk("oci:" + Dir() + ":v1");
    ASSERT_NE(dest, nullptr);
    // A fresh directory is a valid (empty) layout at once.
    EXPECT_EQ(List(Dir()), (std::vector<std::string>{"blobs", "index.json", "oci-layout"}));
    ASSERT_TRUE(PushImage(*dest, "one").ok());
  }
  EXPECT_TRUE(List(tmp_.path()).empty());
  // A commit that fails removes it too.
  {
    auto dest = OpenOk("oci:" + Dir() + ":v1");
    ASSERT_NE(dest, nullptr);
    EXPECT_EQ(dest->Commit(testing::MakeDescriptor(kOciManifestType, "{}")).code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(List(tmp_.path()).empty());
  // An existing empty directory is the user's: it stays.
  ASSERT_EQ(::mkdir(Dir().c_str(), 0755), 0);
  { OpenOk("oci:" + Dir() + ":v1"); }
  EXPECT_EQ(List(tmp_.path()), std::vector<std::string>{"layout"});
}

TEST_F(LayoutDestinationTest, ParentMustExist) {
  auto dest = LayoutDestination::Open(tmp_.Sub("missing/layout"), "v1");
  ASSERT_FALSE(dest.ok());
  EXPECT_EQ(dest.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(dest.status().message().find("parent directory does not exist"), std::string::npos);
}

TEST_F(LayoutDestinationTest, RefusesADirectoryThatIsNotALayout) {
  ASSERT_EQ(::mkdir(Dir().c_str(), 0755), 0);
  WriteFile(Dir() + "/notes.txt", "mine");
  auto dest = LayoutDestination::Open(Dir(), "v1");
  ASSERT_FALSE(dest.ok());
  EXPECT_EQ(dest.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(dest.status().message().find("not an OCI image layout"), std::string::npos) << dest.status().message();
  EXPECT_EQ(List(Dir()), std::vector<std::string>{"notes.txt"});
  // A layout whose index.json is garbage is not ours to replace either.
  ASSERT_EQ(::unlink((Dir() + "/notes.txt").c_str()), 0);
  PushAndCommit("oci:" + Dir() + ":v1", "one");
  WriteFile(Dir() + "/index.json", "{garbage");
  dest = LayoutDestination::Open(Dir(), "v2");
  ASSERT_FALSE(dest.ok());
  EXPECT_EQ(dest.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ReadText(Dir() + "/index.json"), "{garbage");
  // So is one with a future major version.
  WriteFile(Dir() + "/index.json", "{\"schemaVersion\":2,\"manifests\":[]}");
  WriteFile(Dir() + "/oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
  EXPECT_EQ(LayoutDestination::Open(Dir(), "v2").status().code(), ErrorCode::kUnsupported);
}

TEST_F(LayoutDestinationTest, RefusesSymlinksOutOfTheLayout) {
  const std::string elsewhere = tmp_.Sub("elsewhere");
  ASSERT_EQ(::mkdir(elsewhere.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((elsewhere + "/sha256").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(Dir().c_str(), 0755), 0);
  WriteFile(Dir() + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  WriteFile(Dir() + "/index.json", R"({"schemaVersion":2,"manifests":[]})");
  ASSERT_EQ(::symlink(elsewhere.c_str(), (Dir() + "/blobs").c_str()), 0);
  auto dest = LayoutDestination::Open(Dir(), "v1");
  ASSERT_FALSE(dest.ok());
  EXPECT_EQ(dest.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(dest.status().message().find("symlink"), std::string::npos) << dest.status().message();
  // blobs/sha256 as the symlink.
  ASSERT_EQ(::unlink((Dir() + "/blobs").c_str()), 0);
  ASSERT_EQ(::mkdir((Dir() + "/blobs").c_str(), 0755), 0);
  ASSERT_EQ(::symlink((elsewhere + "/sha256").c_str(), (Dir() + "/blobs/sha256").c_str()), 0);
  EXPECT_EQ(LayoutDestination::Open(Dir(), "v1").status().code(), ErrorCode::kCorrupt);
  // index.json as a symlink: refused, not read or written through.
  ASSERT_EQ(::unlink((Dir() + "/blobs/sha256").c_str()), 0);
  WriteFile(elsewhere + "/index.json", R"({"schemaVersion":2,"manifests":[]})");
  ASSERT_EQ(::unlink((Dir() + "/index.json").c_str()), 0);
  ASSERT_EQ(::symlink((elsewhere + "/index.json").c_str(), (Dir() + "/index.json").c_str()), 0);
  EXPECT_EQ(LayoutDestination::Open(Dir(), "v1").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(List(elsewhere), (std::vector<std::string>{"index.json", "sha256"}));
  EXPECT_TRUE(List(elsewhere + "/sha256").empty());
  // The directory itself may be a symlink: the user named it.
  ASSERT_EQ(::unlink((Dir() + "/index.json").c_str()), 0);
  const std::string link = tmp_.Sub("link");
  ASSERT_EQ(::symlink(Dir().c_str(), link.c_str()), 0);
  PushedImage img = PushAndCommit("oci:" + link + ":v1", "via-link");
  ExpectReadsBack(Dir(), "v1", img);
}

TEST_F(LayoutDestinationTest, MisuseIsRefused) {
  auto dest = OpenOk("oci:" + Dir() + ":v1");
  ASSERT_NE(dest, nullptr);
  const std::string json = R"({"schemaVersion":2})";
  Descriptor d = testing::MakeDescriptor(kOciManifestType, json);
  Descriptor wrong_size = d;
  wrong_size.size++;
  EXPECT_EQ(dest->PutManifest(wrong_size, AsBytes(json)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(dest->PutManifest(d, AsBytes(json + " ")).code(), ErrorCode::kInvalidArgument);
  Descriptor config = testing::MakeDescriptor(kOciConfigType, json);
  EXPECT_EQ(dest->PutManifest(config, AsBytes(json)).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(dest->PutManifest(d, AsBytes(json)).ok());
  Descriptor other_type = d;
  other_type.media_type = kOciIndexType;
  EXPECT_EQ(dest->Commit(other_type).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(dest->Commit(d).code(), ErrorCode::kInternal);  // one Commit only
  EXPECT_EQ(dest->StartBlob("x/y").status().code(), ErrorCode::kInternal);
}

TEST_F(LayoutDestinationTest, IndexAsTopLevel) {
  auto dest = OpenOk("oci:" + Dir() + ":multi");
  ASSERT_NE(dest, nullptr);
  auto img = PushImage(*dest, "amd64");
  ASSERT_TRUE(img.ok()) << img.status().message();
  const std::string index = R"({"schemaVersion":2,"mediaType":")" + std::string(kOciIndexType) +
                            R"(","manifests":[)" +
                            testing::DescriptorJson(img->manifest,
                                                    R"(,"platform":{"architecture":"amd64","os":"linux"})") +
                            "]}";
  Descriptor d = testing::MakeDescriptor(kOciIndexType, index);
  ASSERT_TRUE(dest->PutManifest(d, AsBytes(index)).ok());
  ASSERT_TRUE(dest->Commit(d).ok());
  EXPECT_TRUE(RunTool("skopeo inspect --override-arch amd64 oci:" + Dir() + ":multi").has_value());
  auto source = LayoutSource::Open(Dir(), "multi");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->GetTopLevel()->first.digest, d.digest);
}

TEST(OpenImageDestination, RegistriesNeedAnOpener) {
  auto ref = ImageReference::Parse("docker://quay.io/a/b:1");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(OpenImageDestination(*ref).status().code(), ErrorCode::kUnsupported);
  bool called = false;
  auto opened = OpenImageDestination(*ref, [&](const ImageReference& r) -> Result<std::unique_ptr<ImageDestination>> {
    called = true;
    EXPECT_EQ(r.repository, "a/b");
    return Unsupported("test opener");
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(opened.status().message(), "test opener");
}

}  // namespace
}  // namespace ocitree::oci
