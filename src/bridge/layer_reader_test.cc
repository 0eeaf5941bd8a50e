// The recipe extras of a layer: content its recipe needs that its tree does
// not list. LayerReader finds them from the contents it saw displaced; this
// checks that against the definition (all recipe contents minus all listed
// ones) on a layer that displaces content in every way a tar can.
#include "bridge/layer_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "bridge/layer_recipe.h"
#include "bridge/layer_tree.h"
#include "ocitree/repo.h"
#include "tar/tar_test_util.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;
using tar::testing::HeaderSpec;
using tar::testing::TarBuilder;

HeaderSpec Entry(std::string name, char type = '0') {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = type;
  h.uid = h.gid = 0;
  h.mode = type == '5' ? 0755 : 0644;
  return h;
}

class LayerReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ocitree-layer-reader-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    auto repo = Repo::Create(dir_ + "/repo", RepoMode::kArchive);
    ASSERT_TRUE(repo.ok());
    repo_ = std::make_unique<Repo>(std::move(repo).value());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
  std::unique_ptr<Repo> repo_;
};

TEST_F(LayerReaderTest, RecipeExtrasAreRecipeContentsTheTreeDoesNotList) {
  TarBuilder tar;
  tar.Add(Entry("a"), "one");            // replaced by a later "a": "one" is still listed by g
  tar.Add(Entry("a"), "two");
  tar.Add(Entry("g"), "one");
  tar.Add(Entry("b"), "bee");            // replaced by a directory on the way to b/c
  tar.Add(Entry("b/c"), "cee");
  tar.Add(Entry("d", '5'));
  tar.Add(Entry("d/.wh.x"), "wh!");      // a marker with data, replaced by an empty one
  tar.Add(Entry("d/.wh.x"));
  tar.Add(Entry("h"), "hhh");            // replaced by a directory entry
  tar.Add(Entry("h", '5'));
  tar.Add(Entry("k/l"), "lll");          // a directory replaced by a file
  tar.Add(Entry("k"), "kay");
  tar.Add(Entry("m"));                   // empty: not in the recipe even when replaced
  tar.Add(Entry("m"), "mm");
  Bytes layer = tar.Finish();

  auto txn = Transaction::Begin(repo_->store());
  ASSERT_TRUE(txn.ok()) << txn.status().message();
  MemoryReader in(layer);
  tar::TarReader reader(in);
  RecipeWriter recipe;
  ImportHooks hooks;
  LayerReader lr(**txn, hooks, &recipe);
  ASSERT_TRUE(lr.ReadAll(reader).ok());
  auto bytes = recipe.Finish(reader.trailer(), Sha256::Of(layer));
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto extras = lr.RecipeExtras(*bytes);
  ASSERT_TRUE(extras.ok()) << extras.status().message();

  auto summary = InspectRecipe(*bytes);
  ASSERT_TRUE(summary.ok());
  std::unique_ptr<LayerNode> tree = lr.TakeTree();
  std::vector<Checksum> listed;
  ASSERT_TRUE(CollectContents(*tree, txn->get(), &listed).ok());
  std::sort(listed.begin(), listed.end());
  std::vector<Checksum> want;
  std::set_difference(summary->contents.begin(), summary->contents.end(), listed.begin(), listed.end(),
                      std::back_inserter(want));
  EXPECT_EQ(*extras, want);
  EXPECT_EQ(want.size(), 4u);  // bee, wh!, hhh, lll
}

TEST_F(LayerReaderTest, HardlinkToAFileOfTheSameLayer) {
  TarBuilder tar;
  tar.Add(Entry("x"), "first");
  HeaderSpec link = Entry("y", '1');
  link.linkname = "x";
  tar.Add(link);
  HeaderSpec to_lower = Entry("z", '1');
  to_lower.linkname = "lower/file";
  tar.Add(to_lower);
  Bytes layer = tar.Finish();
  auto txn = Transaction::Begin(repo_->store());
  ASSERT_TRUE(txn.ok());
  MemoryReader in(layer);
  tar::TarReader reader(in);
  ImportHooks hooks;
  LayerReader lr(**txn, hooks);
  ASSERT_TRUE(lr.ReadAll(reader).ok());
  EXPECT_TRUE(lr.has_lower_links());
  std::unique_ptr<LayerNode> tree = lr.TakeTree();
  const LayerNode* x = tree->Find({"x"}, 1);
  const LayerNode* y = tree->Find({"y"}, 1);
  const LayerNode* z = tree->Find({"z"}, 1);
  ASSERT_TRUE(x && y && z);
  EXPECT_EQ(y->content, x->content);
  EXPECT_FALSE(y->lower_link);
  ASSERT_TRUE(z->lower_link);
  EXPECT_EQ(*z->lower_link, "lower/file");
}

}  // namespace
}  // namespace ocitree
