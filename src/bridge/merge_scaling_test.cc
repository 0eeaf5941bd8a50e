// Tree-level merge scales with what changes (issue 4, acceptance line 5):
// pulling an image whose base layer (10,000 files in 200 directories, 249
// distinct contents) is
// already stored, plus a small top layer, writes new metadata objects only
// for the directories the top layer changes and their ancestors (once for
// the layer's own tree, once for the merged image tree), plus the commits;
// no content of the base is written or read again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "oci/oci_test_util.h"
#include "ocitree/image.h"
#include "repo/commit_object.h"
#include "repo/dirtree.h"
#include "repo/object_store.h"
#include "repo/object_type.h"
#include "tar/tar_test_util.h"

namespace ocitree {
namespace {

using oci::testing::DescriptorJson;
using oci::testing::LayoutBuilder;
using oci::testing::TagAnnotation;
using oci::testing::TempDir;
using tar::testing::HeaderSpec;
using tar::testing::TarBuilder;

constexpr int kTops = 10;         // t0 .. t9
constexpr int kDirsPerTop = 20;   // t<i>/d0 .. t<i>/d19: 200 leaf directories
constexpr int kFilesPerDir = 50;  // 10,000 files

constexpr char kLayerMediaType[] = "application/vnd.oci.image.layer.v1.tar";

HeaderSpec Dir(std::string name) {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = '5';
  h.mode = 0750;  // not DirMeta{}'s 0755: the base has no default dirmeta
  h.uid = h.gid = 0;
  return h;
}

HeaderSpec File(std::string name, int64_t mode = 0644) {
  HeaderSpec h;
  h.name = std::move(name);
  h.mode = mode;
  h.uid = h.gid = 0;
  return h;
}

std::string LeafName(int t, int d) { return "t" + std::to_string(t) + "/d" + std::to_string(d); }

std::string BaseLayer() {
  TarBuilder b;
  b.Add(Dir("./"));
  for (int t = 0; t < kTops; t++) {
    b.Add(Dir("t" + std::to_string(t) + "/"));
    for (int d = 0; d < kDirsPerTop; d++) {
      b.Add(Dir(LeafName(t, d) + "/"));
      for (int f = 0; f < kFilesPerDir; f++) {
        // f0 is unique to its directory (so no two directories have the
        // same dirtree); the other 49 contents are shared by every
        // directory: 10,000 entries, 249 content objects, fast to write.
        std::string path = LeafName(t, d) + "/f" + std::to_string(f);
        b.Add(File(path), f == 0 ? "only in " + path + "\n" : "shared content " + std::to_string(f) + "\n");
      }
    }
  }
  Bytes tar = b.Finish();
  return std::string(tar.begin(), tar.end());
}

// One file changed in each of t1/d3, t4/d10, t4/d11 and a whiteout in t7/d5;
// no directory entries: the layer does not touch any directory's metadata.
std::string TopLayer() {
  HeaderSpec wh = File("t7/d5/.wh.f9", 0);
  Bytes tar = TarBuilder()
                  .Add(File("t1/d3/f7"), "changed t1/d3/f7\n")
                  .Add(File("t4/d10/f0"), "changed t4/d10/f0\n")
                  .Add(File("t4/d11/f2"), "changed t4/d11/f2\n")
                  .Add(wh)
                  .Finish();
  return std::string(tar.begin(), tar.end());
}

// The directories the top layer changes, and their ancestors ("" = root).
const std::set<std::string> kChangedDirs = {"", "t1", "t1/d3", "t4", "t4/d10", "t4/d11", "t7", "t7/d5"};

struct Image {
  oci::Descriptor manifest;
  std::vector<oci::Descriptor> layers;
};

Image AddImage(LayoutBuilder& b, const std::vector<std::string>& layer_tars) {
  Image img;
  std::string diff_ids, layers;
  for (const std::string& tar : layer_tars) {
    img.layers.push_back(b.AddBlob(kLayerMediaType, tar));
    diff_ids += std::string(diff_ids.empty() ? "" : ",") + "\"" + img.layers.back().digest.ToString() + "\"";
    layers += std::string(layers.empty() ? "" : ",") + DescriptorJson(img.layers.back());
  }
  std::string config = "{\"created\":\"2024-01-02T03:04:05Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
                       "\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diff_ids + "]}}";
  oci::Descriptor c = b.AddBlob("application/vnd.oci.image.config.v1+json", config);
  std::string manifest = "{\"schemaVersion\":2,\"config\":" + DescriptorJson(c) + ",\"layers\":[" + layers + "]}";
  img.manifest = b.AddBlob("application/vnd.oci.image.manifest.v1+json", manifest);
  return img;
}

using ObjectKey = std::pair<ObjectType, Checksum>;

std::set<ObjectKey> Objects(const ObjectStore& store) {
  std::set<ObjectKey> out;
  auto list = store.ListObjects();
  EXPECT_TRUE(list.ok()) << list.status().message();
  if (list.ok())
    for (const auto& o : *list) out.insert({o.type, o.checksum});
  return out;
}

// Every object reachable from `commit` (commit, dirtrees, dirmetas, content).
void Reachable(const ObjectStore& store, const Checksum& commit, std::set<ObjectKey>* out) {
  out->insert({ObjectType::kCommit, commit});
  auto c = store.ReadCommit(commit);
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::vector<std::pair<Checksum, Checksum>> todo = {{c->root_tree, c->root_meta}};
  while (!todo.empty()) {
    auto [tree, meta] = todo.back();
    todo.pop_back();
    out->insert({ObjectType::kDirMeta, meta});
    if (!out->insert({ObjectType::kDirTree, tree}).second) continue;
    auto t = store.ReadDirTree(tree);
    ASSERT_TRUE(t.ok()) << t.status().message();
    for (const auto& f : t->files) out->insert({ObjectType::kFile, f.content});
    for (const auto& d : t->dirs) todo.push_back({d.tree, d.meta});
  }
}

std::map<ObjectType, size_t> CountByType(const std::set<ObjectKey>& objects) {
  std::map<ObjectType, size_t> n;
  for (const auto& [type, checksum] : objects) n[type]++;
  return n;
}

class MergeScalingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layout_ = std::make_unique<LayoutBuilder>(tmp_.path() + "/layout");
    base_tar_ = BaseLayer();
    top_tar_ = TopLayer();
    base_ = AddImage(*layout_, {base_tar_});
    app_ = AddImage(*layout_, {base_tar_, top_tar_});
    layout_->WriteIndex(DescriptorJson(base_.manifest, TagAnnotation("base")) + "," +
                        DescriptorJson(app_.manifest, TagAnnotation("app")));
    const std::string path = tmp_.path() + "/repo";
    ASSERT_TRUE(Repo::Create(path, RepoMode::kArchive).ok());
    // Durability is not under test: no syncs (this VM is slow at them).
    std::string config;
    {
      std::ifstream in(path + "/config");
      config.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_NE(config.find("[core]\n"), std::string::npos) << config;
    config.replace(config.find("[core]\n"), 7, "[core]\nfsync=false\n");
    oci::testing::WriteFile(path + "/config", config);
    auto repo = Repo::Open(path);
    ASSERT_TRUE(repo.ok()) << repo.status().message();
    ASSERT_FALSE(repo->store().fsync_enabled());
    repo_ = std::make_unique<Repo>(std::move(repo).value());
  }

  Result<PullResult> Pull(const std::string& tag, const std::string& branch) {
    PullOptions o;
    o.branch = branch;
    o.platform = "linux/amd64";
    return PullImage(*repo_, "oci:" + layout_->dir() + ":" + tag, o);
  }

  TempDir tmp_;
  std::unique_ptr<LayoutBuilder> layout_;
  std::string base_tar_, top_tar_;
  Image base_, app_;
  std::unique_ptr<Repo> repo_;
};

TEST_F(MergeScalingTest, SmallTopLayerWritesOnlyTheChangedDirectories) {
  auto first = Pull("base", "base");
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->files_written, uint64_t{kTops * kDirsPerTop + kFilesPerDir - 1});
  ASSERT_EQ(first->files_written + first->files_existing, uint64_t{kTops * kDirsPerTop * kFilesPerDir});
  ObjectStore& store = repo_->store();
  const std::set<ObjectKey> before = Objects(store);
  ASSERT_GT(before.size(), size_t{kTops * kDirsPerTop + kFilesPerDir});

  auto second = Pull("app", "app");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->layers, 2u);
  EXPECT_EQ(second->layers_reused, 1u);
  EXPECT_EQ(second->bytes_read, app_.layers[1].size) << "only the top layer's blob is read";
  // The three changed files and the whiteout's own empty file: nothing else
  // is written, no content of the base is met again.
  EXPECT_EQ(second->files_written, 4u);
  EXPECT_EQ(second->files_existing, 0u);
  EXPECT_EQ(second->whiteouts, 1u);

  std::set<ObjectKey> added;
  for (const ObjectKey& o : Objects(store))
    if (!before.count(o)) added.insert(o);

  // The layer's recipe (if this build keeps one) is a commit of its own; its
  // objects are counted apart: their number does not depend on the base.
  oci::Digest top_diff_id = app_.layers[1].digest;  // uncompressed: digest == diff_id
  std::set<ObjectKey> recipe;
  auto recipe_head = store.ReadRef("ocitree/recipe/sha256/" + top_diff_id.Hex());
  ASSERT_TRUE(recipe_head.ok());
  if (*recipe_head) Reachable(store, **recipe_head, &recipe);
  std::set<ObjectKey> merge;
  for (const ObjectKey& o : added)
    if (!recipe.count(o)) merge.insert(o);
  auto n = CountByType(merge);

  // 8 directories change (t1/d3, t4/d10, t4/d11, t7/d5, t1, t4, t7, root):
  // one dirtree each in the layer's own tree and one in the image tree.
  EXPECT_EQ(n[ObjectType::kDirTree], 2 * kChangedDirs.size());
  // The layer tree's directories are implicit (no entries in the tar): at
  // most the one default dirmeta is new; the image keeps the base's.
  EXPECT_LE(n[ObjectType::kDirMeta], 1u);
  // The layer commit and the image commit.
  EXPECT_EQ(n[ObjectType::kCommit], 2u);
  EXPECT_EQ(n[ObjectType::kFile], 4u);
  EXPECT_LE(recipe.size(), 8u) << "a recipe commit of a 4-entry layer";
  // Nothing else: whatever the base's size, the pull adds 22 objects (+ at
  // most one dirmeta) besides the recipe's.
  EXPECT_EQ(merge.size() - n[ObjectType::kDirMeta], 2 * kChangedDirs.size() + 2 + 4);
  // Which dirtrees: exactly those of the changed paths in both trees.
  auto app = store.ReadRef("app");
  auto layer = store.ReadRef("ocitree/layer/sha256/" + top_diff_id.Hex());
  ASSERT_TRUE(app.ok() && *app && layer.ok() && *layer);
  std::set<Checksum> expected;
  for (const Checksum& head : {**app, **layer}) {
    auto c = store.ReadCommit(head);
    ASSERT_TRUE(c.ok());
    // Walk the changed paths only.
    std::map<std::string, Checksum> trees = {{"", c->root_tree}};
    for (const std::string& path : kChangedDirs) {  // sorted: parents first
      ASSERT_TRUE(trees.count(path)) << path;
      expected.insert(trees[path]);
      auto t = store.ReadDirTree(trees[path]);
      ASSERT_TRUE(t.ok()) << path;
      for (const auto& d : t->dirs) trees[path.empty() ? d.name : path + "/" + d.name] = d.tree;
    }
  }
  std::set<Checksum> new_trees;
  for (const auto& [type, checksum] : merge)
    if (type == ObjectType::kDirTree) new_trees.insert(checksum);
  EXPECT_EQ(new_trees, expected);
}

// The proof that nothing of the base is read again: with every content
// object of the base and the dirtrees of every untouched directory deleted
// after the first pull, the second pull still succeeds and its image is the
// base with the top layer applied.
TEST_F(MergeScalingTest, UntouchedSubtreesAndBaseContentAreNotRead) {
  auto first = Pull("base", "base");
  ASSERT_TRUE(first.ok()) << first.status().message();
  ObjectStore& store = repo_->store();
  auto base_commit = store.ReadRef("base");
  ASSERT_TRUE(base_commit.ok() && *base_commit);
  auto c = store.ReadCommit(**base_commit);
  ASSERT_TRUE(c.ok());
  // Untouched leaf dirtrees (and the untouched top-level ones), by path.
  std::set<Checksum> keep_trees;
  std::vector<Checksum> drop_trees;
  std::map<std::string, Checksum> trees = {{"", c->root_tree}};
  std::vector<std::string> todo = {""};
  while (!todo.empty()) {
    std::string path = todo.back();
    todo.pop_back();
    auto t = store.ReadDirTree(trees[path]);
    ASSERT_TRUE(t.ok());
    for (const auto& d : t->dirs) {
      std::string child = path.empty() ? d.name : path + "/" + d.name;
      trees[child] = d.tree;
      todo.push_back(child);
    }
  }
  for (const auto& [path, tree] : trees) {
    if (kChangedDirs.count(path))
      keep_trees.insert(tree);
    else
      drop_trees.push_back(tree);
  }
  size_t dropped_trees = 0, dropped_files = 0;
  auto list = store.ListObjects();
  ASSERT_TRUE(list.ok());
  for (const auto& o : *list) {
    bool drop = false;
    if (o.type == ObjectType::kFile) {
      drop = true;
      dropped_files++;
    } else if (o.type == ObjectType::kDirTree && !keep_trees.count(o.checksum) &&
               std::find(drop_trees.begin(), drop_trees.end(), o.checksum) != drop_trees.end()) {
      drop = true;
      dropped_trees++;
    }
    if (drop) {
      std::string p = store.path() + "/" + LooseObjectPath(o.checksum, o.type, store.mode());
      ASSERT_EQ(::unlink(p.c_str()), 0) << p;
    }
  }
  // The base's content objects (and its recipe's own file, if it has one).
  ASSERT_GE(dropped_files, size_t{kTops * kDirsPerTop + kFilesPerDir - 1});
  // 196 untouched leaves + 7 untouched top-level directories.
  ASSERT_EQ(dropped_trees, size_t{kTops * kDirsPerTop - 4 + kTops - 3});

  auto second = Pull("app", "app");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->layers_reused, 1u);
  EXPECT_EQ(second->files_written, 4u);

  // The merged image: the changed files and the whiteout are where they
  // belong, the untouched subtrees are the base's, by checksum.
  auto app = store.ReadRef("app");
  ASSERT_TRUE(app.ok() && *app);
  auto ac = store.ReadCommit(**app);
  ASSERT_TRUE(ac.ok());
  auto root = store.ReadDirTree(ac->root_tree);
  ASSERT_TRUE(root.ok());
  ASSERT_EQ(root->dirs.size(), size_t{kTops});
  for (const auto& d : root->dirs) {
    if (d.name == "t1" || d.name == "t4" || d.name == "t7") {
      EXPECT_NE(d.tree, trees[d.name]) << d.name;
    } else {
      EXPECT_EQ(d.tree, trees[d.name]) << d.name << " was rewritten";
    }
  }
  auto t7 = store.ReadDirTree(root->FindDir("t7")->tree);
  ASSERT_TRUE(t7.ok());
  for (const auto& d : t7->dirs) {
    if (d.name == "d5") {
      auto d5 = store.ReadDirTree(d.tree);
      ASSERT_TRUE(d5.ok());
      EXPECT_EQ(d5->files.size(), size_t{kFilesPerDir - 1});
      EXPECT_EQ(d5->FindFile("f9"), nullptr);
      EXPECT_EQ(d5->FindFile(".wh.f9"), nullptr);
    } else {
      EXPECT_EQ(d.tree, trees["t7/" + d.name]) << "t7/" << d.name << " was rewritten";
    }
  }
}

}  // namespace
}  // namespace ocitree
