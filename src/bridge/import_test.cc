// Pulling a layout image through the public API: metadata, hooks, and that a
// failed pull moves no ref.
#include <gtest/gtest.h>
#include <unistd.h>

#include "bridge/image_metadata.h"
#include "bridge/recipe_commit.h"
#include "oci/oci_test_util.h"
#include "ocitree/image.h"
#include "repo/object_store.h"
#include "tar/tar_test_util.h"

namespace ocitree {
namespace {

using oci::testing::AddSimpleImage;
using oci::testing::LayoutBuilder;
using oci::testing::TagAnnotation;
using oci::testing::TempDir;
using tar::testing::HeaderSpec;
using tar::testing::TarBuilder;

std::string LayerTar() {
  HeaderSpec dir;
  dir.name = "etc/";
  dir.typeflag = '5';
  dir.mode = 0755;
  HeaderSpec file;
  file.name = "etc/motd";
  HeaderSpec drop;
  drop.name = "etc/secret";
  Bytes t = TarBuilder().Add(dir).Add(file, "hello\n").Add(drop, "do not import\n").Finish();
  return std::string(t.begin(), t.end());
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layout_ = std::make_unique<LayoutBuilder>(tmp_.path() + "/layout");
    image_ = AddSimpleImage(*layout_, "arm64", LayerTar());
    layout_->WriteIndex(oci::testing::DescriptorJson(image_.manifest, TagAnnotation("v1")));
    auto repo = Repo::Create(tmp_.path() + "/repo", RepoMode::kArchive);
    ASSERT_TRUE(repo.ok());
    repo_ = std::make_unique<Repo>(std::move(repo).value());
  }
  std::string Ref() const { return "oci:" + layout_->dir() + ":v1"; }

  TempDir tmp_;
  std::unique_ptr<LayoutBuilder> layout_;
  oci::testing::SimpleImage image_;
  std::unique_ptr<Repo> repo_;
};

TEST_F(ImportTest, RecordsExactManifestAndConfig) {
  PullOptions o;
  o.branch = "img";
  o.platform = "linux/arm64";
  auto r = PullImage(*repo_, Ref(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->manifest_digest, image_.manifest.digest.ToString());
  auto commit = repo_->store().ReadCommit(*Checksum::FromHex(r->commit));
  ASSERT_TRUE(commit.ok());
  ImageRecord record;
  ASSERT_TRUE(*ReadImageRecord(*commit, &record));
  EXPECT_EQ(record.manifest, image_.manifest_json);
  EXPECT_EQ(record.config, image_.config_json);
  EXPECT_EQ(record.architecture, "aarch64");
  ASSERT_EQ(record.diff_ids.size(), 1u);
  EXPECT_EQ(commit->timestamp, 1704164645u);  // the config's created, fractions dropped

  auto again = PullImage(*repo_, Ref(), o);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->up_to_date);
  EXPECT_EQ(again->commit, r->commit);
  auto images = ListImages(*repo_);
  ASSERT_TRUE(images.ok());
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].branch, "img");
}

TEST_F(ImportTest, HooksRenameDropAndPrefix) {
  PullOptions o;
  o.branch = "img";
  o.platform = "linux/arm64";
  o.hooks.path_prefix = "files";
  o.hooks.on_entry = [](ImportEntry& e) {
    if (e.path == "etc/secret") return false;
    if (e.path == "etc/motd") e.path = "etc/motd.renamed";
    return true;
  };
  o.hooks.map_architecture = [](std::string_view arch) { return "custom-" + std::string(arch); };
  auto r = PullImage(*repo_, Ref(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto entries = repo_->List("img", "/", true);
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> paths;
  for (const auto& e : *entries) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/", "/files", "/files/etc", "/files/etc/motd.renamed"}));
  auto info = repo_->ReadCommit("img");
  bool found = false;
  for (const auto& m : info->metadata)
    if (m.key == "ostree.architecture") found = m.value_text == "'custom-arm64'";
  EXPECT_TRUE(found);
}

TEST_F(ImportTest, UnknownPlatformListsTheAvailableOnes) {
  PullOptions o;
  o.platform = "linux/s390x";
  auto r = PullImage(*repo_, Ref(), o);
  // A plain manifest (no index) has one platform: its config's.
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("arm64"), std::string::npos) << r.status().message();
}

TEST_F(ImportTest, CorruptLayerMovesNoRef) {
  // A second, good image whose pull must stay untouched by the failed one.
  auto good = AddSimpleImage(*layout_, "arm64", LayerTar() + std::string(1024, '\0'));
  layout_->WriteIndex(oci::testing::DescriptorJson(image_.manifest, TagAnnotation("v1")) + "," +
                      oci::testing::DescriptorJson(good.manifest, TagAnnotation("good")));
  PullOptions o;
  o.branch = "img";
  o.platform = "linux/arm64";
  ASSERT_TRUE(PullImage(*repo_, "oci:" + layout_->dir() + ":good", o).ok());
  std::string before = *repo_->ResolveRev("img");
  // Same size, one byte flipped: only the digest check can notice.
  std::string layer = LayerTar();
  layer[600] ^= 1;
  oci::testing::WriteFile(layout_->BlobFile(image_.layer), layer);
  auto r = PullImage(*repo_, Ref(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().message();
  EXPECT_EQ(*repo_->ResolveRev("img"), before);
  // The branch, and the good image's layer with its recipe.
  EXPECT_EQ(repo_->ListRefs()->size(), 3u);
  EXPECT_TRUE(repo_->Fsck()->ok());
}

TEST_F(ImportTest, LayeredPullReusesStoredLayersWithoutReadingThem) {
  PullOptions o;
  o.branch = "first";
  o.platform = "linux/arm64";
  auto first = PullImage(*repo_, Ref(), o);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->layers_reused, 0u);
  // The blob is gone: a second image on the same layer must not need it.
  ASSERT_EQ(::unlink(layout_->BlobFile(image_.layer).c_str()), 0);
  o.branch = "second";
  auto second = PullImage(*repo_, Ref(), o);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->layers_reused, 1u);
  EXPECT_EQ(second->bytes_read, 0u);
  auto a = repo_->ReadCommit("first");
  auto b = repo_->ReadCommit("second");
  EXPECT_EQ(a->root_tree, b->root_tree);
}

// Pulls `tar` as a one-layer image and rebuilds the layer from its recipe.
std::string PullAndRebuild(Repo& repo, LayoutBuilder& layout, const std::string& tar, const std::string& tag,
                           PullOptions o = {}) {
  auto image = AddSimpleImage(layout, "arm64", tar);
  layout.WriteIndex(oci::testing::DescriptorJson(image.manifest, TagAnnotation(tag)));
  o.branch = tag;
  o.platform = "linux/arm64";
  auto r = PullImage(repo, "oci:" + layout.dir() + ":" + tag, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  Bytes out;
  BytesSink sink(&out);
  Status s = RebuildLayerTar(repo.store(), image.layer.digest, sink);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::string(out.begin(), out.end());
}

TEST_F(ImportTest, LayeredPullRebuildsTheLayerTarByteForByte) {
  std::string tar = LayerTar();
  EXPECT_EQ(PullAndRebuild(*repo_, *layout_, tar, "plain"), tar);
  // GNU tar pads archives to 10240-byte records.
  std::string padded = tar + std::string(10240 - tar.size() % 10240, '\0');
  EXPECT_EQ(PullAndRebuild(*repo_, *layout_, padded, "padded"), padded);
  EXPECT_TRUE(repo_->Fsck()->ok());
}

TEST_F(ImportTest, RecipeKeepsContentTheLayerTreeDropped) {
  // The same path twice: the tree keeps the second file, the tar needs both;
  // a file under a path that later becomes a file; a device node with data.
  HeaderSpec first;
  first.name = "a";
  HeaderSpec dir;
  dir.name = "d/";
  dir.typeflag = '5';
  HeaderSpec inner;
  inner.name = "d/inner";
  HeaderSpec d_file;
  d_file.name = "d";
  HeaderSpec fifo;
  fifo.name = "fifo";
  fifo.typeflag = '6';
  Bytes t = TarBuilder()
                .Add(first, "first content\n")
                .Add(dir)
                .Add(inner, "inner content\n")
                .Add(d_file, "d is a file now\n")
                .Add(first, "second content\n")
                .Add(fifo)
                .Finish();
  std::string tar(t.begin(), t.end());
  EXPECT_EQ(PullAndRebuild(*repo_, *layout_, tar, "dup"), tar);
  // Prune keeps what only the recipe needs.
  PruneOptions prune;
  ASSERT_TRUE(PruneImages(*repo_, prune).ok());
  std::string again = PullAndRebuild(*repo_, *layout_, tar, "dup2");
  EXPECT_EQ(again, tar);
  EXPECT_TRUE(repo_->Fsck()->ok());
}

TEST_F(ImportTest, FlattenedAndHookedPullsKeepNoRecipe) {
  PullOptions o;
  o.storage = Storage::kFlattened;
  o.branch = "flat";
  o.platform = "linux/arm64";
  ASSERT_TRUE(PullImage(*repo_, Ref(), o).ok());
  o.storage = Storage::kLayered;
  o.branch = "hooked";
  o.hooks.on_entry = [](ImportEntry&) { return true; };
  ASSERT_TRUE(PullImage(*repo_, Ref(), o).ok());
  auto refs = repo_->ListRefs();
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ(refs->size(), 2u);
  Bytes out;
  BytesSink sink(&out);
  EXPECT_EQ(RebuildLayerTar(repo_->store(), image_.layer.digest, sink).code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ocitree
