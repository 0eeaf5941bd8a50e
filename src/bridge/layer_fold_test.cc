// Folding must not change what a layer stores, only what it holds in memory:
// every test reads the same tar with folding (a layer with a recipe) and
// without, and compares the objects written.
#include "bridge/layer_fold.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "bridge/layer_commit.h"
#include "bridge/layer_reader.h"
#include "bridge/layer_recipe.h"
#include "ocitree/repo.h"
#include "tar/tar_test_util.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;
using tar::testing::HeaderSpec;
using tar::testing::TarBuilder;

HeaderSpec FoldEntry(std::string name, char type = '0', uint32_t mode = 0) {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = type;
  h.uid = h.gid = 0;
  h.mode = mode != 0 ? mode : type == '5' ? 0755 : 0644;
  return h;
}

size_t CountNodes(const LayerNode& node) {
  size_t n = 1;
  for (const auto& [name, child] : node.children) n += CountNodes(*child);
  return n;
}

struct ReadBack {
  std::unique_ptr<LayerNode> tree;
  MutableTree::Written written;
  std::vector<std::string> implicit_dirs;  // sorted
};

class LayerFoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ocitree-layer-fold-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    auto repo = Repo::Create(dir_ + "/repo", RepoMode::kArchive);
    ASSERT_TRUE(repo.ok());
    repo_ = std::make_unique<Repo>(std::move(repo).value());
    auto txn = Transaction::Begin(repo_->store());
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    txn_ = std::move(txn).value();
  }
  void TearDown() override {
    txn_.reset();
    fs::remove_all(dir_);
  }

  // Reads `layer`; with `fold`, through a recipe, which makes the reader fold.
  ReadBack Read(const Bytes& layer, bool fold) {
    MemoryReader in(layer);
    tar::TarReader reader(in);
    RecipeWriter recipe;
    ImportHooks hooks;
    LayerReader lr(*txn_, hooks, fold ? &recipe : nullptr);
    Status s = lr.ReadAll(reader);
    EXPECT_TRUE(s.ok()) << s.message();
    ReadBack out;
    out.tree = lr.TakeTree();
    LayerTreeInfo info;
    auto written = WriteLayerTree(*txn_, *out.tree, &info);
    EXPECT_TRUE(written.ok()) << written.status().message();
    if (written.ok()) out.written = *written;
    out.implicit_dirs = info.implicit_dirs;
    std::sort(out.implicit_dirs.begin(), out.implicit_dirs.end());
    return out;
  }

  // Reads `layer` both ways and expects the same objects.
  ReadBack ReadBothWays(const Bytes& layer) {
    ReadBack plain = Read(layer, false);
    ReadBack folded = Read(layer, true);
    EXPECT_EQ(folded.written.tree, plain.written.tree);
    EXPECT_EQ(folded.written.meta, plain.written.meta);
    EXPECT_EQ(folded.implicit_dirs, plain.implicit_dirs);
    return folded;
  }

  std::string dir_;
  std::unique_ptr<Repo> repo_;
  std::unique_ptr<Transaction> txn_;
};

TEST_F(LayerFoldTest, ATarInDirectoryOrderHoldsOnlyItsOpenPath) {
  TarBuilder tar;
  for (int d = 0; d < 40; d++) {
    std::string dir = "d" + std::to_string(100 + d);
    tar.Add(FoldEntry(dir + "/", '5'));
    tar.Add(FoldEntry(dir + "/sub/", '5'));
    for (int f = 0; f < 25; f++) tar.Add(FoldEntry(dir + "/sub/f" + std::to_string(f)), dir + std::to_string(f));
    tar.Add(FoldEntry(dir + "/top"), dir);
  }
  ReadBack read = ReadBothWays(tar.Finish());
  // The root, 40 directories, and the last one's subdirectory and file: the
  // other 39 hold nothing in memory.
  EXPECT_EQ(CountNodes(*read.tree), 1u + 40 + 2);
  size_t folded = 0;
  for (const auto& [name, child] : read.tree->children) folded += child->folded != nullptr;
  EXPECT_EQ(folded, 39u);
  ASSERT_TRUE(read.tree->children.at("d139")->children.at("sub")->folded);
  EXPECT_EQ(read.tree->children.at("d139")->children.at("sub")->children.size(), 0u);
}

TEST_F(LayerFoldTest, ATarThatComesBackToAFoldedDirectoryUnfoldsIt) {
  TarBuilder tar;
  tar.Add(FoldEntry("a/1"), "a1");
  tar.Add(FoldEntry("a/deep/1"), "ad1");
  tar.Add(FoldEntry("b/1"), "b1");
  tar.Add(FoldEntry("a/2"), "a2");                   // back to a (folded by now)
  tar.Add(FoldEntry("b/1"), "b1 again");             // a later entry replaces one in a folded directory
  tar.Add(FoldEntry("a/deep/", '5'));                // lists a folded directory after the fact
  tar.Add(FoldEntry("c/1"), "c1");
  tar.Add(FoldEntry("a/deep/2"), "ad2");
  tar.Add(FoldEntry("c", '0'), "c is a file now");  // replaces a folded directory
  ReadBack read = ReadBothWays(tar.Finish());
  EXPECT_FALSE(read.tree->children.at("c")->is_dir);
}

TEST_F(LayerFoldTest, DirectoriesTheTarDoesNotListStayImplicit) {
  TarBuilder tar;
  tar.Add(FoldEntry("p/q/r/f"), "f");
  tar.Add(FoldEntry("p/s/", '5'));
  tar.Add(FoldEntry("p/s/g"), "g");
  tar.Add(FoldEntry("z"), "z");
  ReadBack read = ReadBothWays(tar.Finish());
  EXPECT_EQ(read.implicit_dirs, (std::vector<std::string>{"", "p", "p/q", "p/q/r"}));
  ASSERT_TRUE(read.tree->children.at("p")->folded);
  EXPECT_EQ(read.tree->children.at("p")->folded->implicit_dirs, (std::vector<std::string>{"", "q", "q/r"}));
}

TEST_F(LayerFoldTest, AHardlinkIntoAFoldedDirectoryTakesItsContent) {
  TarBuilder tar;
  tar.Add(FoldEntry("a/b/f"), "linked");
  tar.Add(FoldEntry("x/g"), "other");
  HeaderSpec link = FoldEntry("y/h", '1');
  link.linkname = "a/b/f";
  tar.Add(link);
  HeaderSpec to_dir = FoldEntry("y/i", '1');  // a directory of this layer: not a file here
  to_dir.linkname = "a/b";
  tar.Add(to_dir);
  ReadBack read = ReadBothWays(tar.Finish());
  ASSERT_TRUE(read.tree->children.at("a")->folded);
  const LayerNode& y = *read.tree->children.at("y");
  auto f = FindFoldedFile(*txn_, *read.tree->children.at("a")->folded, {"a", "b", "f"}, 1);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ(y.children.at("h")->content, **f);
  ASSERT_TRUE(y.children.at("i")->lower_link);
  EXPECT_EQ(*y.children.at("i")->lower_link, "a/b");
}

TEST_F(LayerFoldTest, WhiteoutsAndLowerHardlinksKeepTheirDirectoriesOpen) {
  TarBuilder tar;
  tar.Add(FoldEntry("w/.wh.gone"));
  tar.Add(FoldEntry("w/kept"), "kept");
  HeaderSpec lower = FoldEntry("h/l", '1');
  lower.linkname = "lower/file";
  tar.Add(lower);
  tar.Add(FoldEntry("plain/f"), "f");
  tar.Add(FoldEntry("z"), "z");
  ReadBack read = Read(tar.Finish(), true);
  EXPECT_FALSE(read.tree->children.at("w")->folded);
  EXPECT_FALSE(read.tree->children.at("h")->folded);
  EXPECT_TRUE(read.tree->children.at("plain")->folded);
}

TEST_F(LayerFoldTest, ApplyingAFoldedLayerGivesTheSameImage) {
  TarBuilder lower;
  lower.Add(FoldEntry("etc/", '5', 0700));  // the upper layer does not list etc: this mode stays
  lower.Add(FoldEntry("etc/old"), "old");
  lower.Add(FoldEntry("usr/lib/x"), "x");
  TarBuilder upper;
  upper.Add(FoldEntry("etc/new"), "new");          // into a directory the image has
  upper.Add(FoldEntry("opt/", '5'));               // a new listed subtree: adopted by checksum
  upper.Add(FoldEntry("opt/app/bin"), "bin");
  upper.Add(FoldEntry("usr/lib/y"), "y");          // implicit directories over existing ones
  upper.Add(FoldEntry("var/cache/z"), "z");        // new implicit directories
  Bytes lower_tar = lower.Finish(), upper_tar = upper.Finish();

  auto image_of = [&](bool fold) -> MutableTree::Written {
    MutableTree image;
    ApplyStats stats;
    for (const Bytes* layer : {&lower_tar, &upper_tar}) {
      ReadBack read = Read(*layer, fold);
      Status s = ApplyLayer(*read.tree, &image, DirMeta{}, &stats, {}, txn_.get());
      EXPECT_TRUE(s.ok()) << s.message();
    }
    auto written = image.Write(*txn_);
    EXPECT_TRUE(written.ok());
    return written.ok() ? *written : MutableTree::Written{};
  };
  MutableTree::Written plain = image_of(false), folded = image_of(true);
  EXPECT_EQ(folded.tree, plain.tree);
  EXPECT_EQ(folded.meta, plain.meta);
}

}  // namespace
}  // namespace ocitree
