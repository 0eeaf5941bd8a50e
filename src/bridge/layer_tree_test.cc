// OCI layer semantics on trees: whiteouts act on lower layers only, opaque
// markers regardless of their position, later entries replace any type.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "bridge/layer_reader.h"
#include "bridge/layer_tree.h"
#include "ocitree/repo.h"
#include "repo/commit.h"
#include "tar/tar_test_util.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;
using tar::testing::HeaderSpec;
using tar::testing::TarBuilder;

HeaderSpec Entry(std::string name, char type = '0', std::string link = "") {
  HeaderSpec h;
  h.name = std::move(name);
  h.typeflag = type;
  h.linkname = std::move(link);
  h.uid = h.gid = 0;
  h.mode = type == '5' ? 0755 : 0644;
  return h;
}

class LayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ocitree-layer-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    auto repo = Repo::Create(dir_ + "/repo", RepoMode::kArchive);
    ASSERT_TRUE(repo.ok());
    repo_ = std::make_unique<Repo>(std::move(repo).value());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Applies the layers in order; returns "path -> type[:content]" of the result.
  Result<std::map<std::string, std::string>> Apply(const std::vector<Bytes>& layers, LayerStats* last = nullptr) {
    OCITREE_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(repo_->store()));
    MutableTree image;
    ImportHooks hooks;
    ApplyStats stats;
    for (const Bytes& layer : layers) {
      MemoryReader in(layer);
      tar::TarReader reader(in);
      LayerReader lr(*txn, hooks);
      OCITREE_RETURN_IF_ERROR(lr.ReadAll(reader));
      if (last) *last = lr.stats();
      std::unique_ptr<LayerNode> node = lr.TakeTree();
      OCITREE_RETURN_IF_ERROR(ResolveLowerLinks(node.get(), image));
      OCITREE_RETURN_IF_ERROR(ApplyLayer(*node, &image, DirMeta{}, &stats));
    }
    OCITREE_ASSIGN_OR_RETURN(MutableTree::Written w, image.Write(*txn));
    CommitOptions o;
    o.branch = "img";
    o.timestamp = 0;
    OCITREE_RETURN_IF_ERROR(WriteCommitObject(*txn, o, w, std::nullopt).status());
    OCITREE_RETURN_IF_ERROR(txn->Commit());
    OCITREE_ASSIGN_OR_RETURN(auto entries, repo_->List("img", "/", true));
    std::map<std::string, std::string> out;
    for (const TreeEntry& e : entries) {
      if (e.path == "/") continue;
      std::string v(1, e.type);
      if (e.type == 'l') v += ":" + e.symlink_target;
      out[e.path] = v;
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Repo> repo_;
};

TEST_F(LayerTest, WhiteoutsActOnLowerLayersOnly) {
  Bytes l1 = TarBuilder().Add(Entry("a/", '5')).Add(Entry("a/x"), "x").Add(Entry("a/y"), "y").Finish();
  // umoci interleaves whiteouts in name order with new content.
  Bytes l2 = TarBuilder().Add(Entry("a/.wh.x")).Add(Entry("a/x2"), "new").Add(Entry("a/.wh.zz")).Finish();
  auto r = Apply({l1, l2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::map<std::string, std::string>{{"/a", "d"}, {"/a/x2", "-"}, {"/a/y", "-"}}));
}

TEST_F(LayerTest, OpaqueMarkerHidesLowerChildrenWhereverItStands) {
  Bytes l1 = TarBuilder().Add(Entry("d/old"), "1").Add(Entry("d/sub/deep"), "2").Finish();
  Bytes l2 = TarBuilder().Add(Entry("d/new"), "3").Add(Entry("d/.wh..wh..opq")).Finish();
  auto r = Apply({l1, l2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::map<std::string, std::string>{{"/d", "d"}, {"/d/new", "-"}}));
}

TEST_F(LayerTest, LaterEntriesReplaceAnyType) {
  Bytes l1 = TarBuilder().Add(Entry("p/q"), "q").Add(Entry("f"), "f").Add(Entry("s/t"), "t").Finish();
  Bytes l2 = TarBuilder()
                 .Add(Entry("p"), "now a file")
                 .Add(Entry("f/", '5'))
                 .Add(Entry("f/inside"), "i")
                 .Add(Entry("s", '2', "p"))
                 .Finish();
  auto r = Apply({l1, l2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::map<std::string, std::string>{{"/f", "d"}, {"/f/inside", "-"}, {"/p", "-"}, {"/s", "l:p"}}));
}

TEST_F(LayerTest, WhiteoutsBelowAPathTheLayerMadeAFileAreMoot) {
  Bytes l1 = TarBuilder().Add(Entry("a/b/c"), "c").Finish();
  Bytes l2 = TarBuilder().Add(Entry("a/b/.wh.c")).Add(Entry("a/b"), "file").Add(Entry("a/b/.wh.d")).Finish();
  auto r = Apply({l1, l2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::map<std::string, std::string>{{"/a", "d"}, {"/a/b", "-"}}));
}

TEST_F(LayerTest, HardlinksResolveWithinAndBelowTheLayer) {
  Bytes l1 = TarBuilder().Add(Entry("etc/issue.net"), "welcome").Finish();
  Bytes l2 = TarBuilder()
                 .Add(Entry("hard-to-lower", '1', "etc/issue.net"))
                 .Add(Entry("own"), "mine")
                 .Add(Entry("hard-to-own", '1', "./own"))
                 .Finish();
  auto r = Apply({l1, l2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto a = repo_->List("img", "/hard-to-lower", false);
  auto b = repo_->List("img", "/etc/issue.net", false);
  auto c = repo_->List("img", "/hard-to-own", false);
  auto d = repo_->List("img", "/own", false);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ((*a)[0].checksum, (*b)[0].checksum);
  EXPECT_EQ((*c)[0].checksum, (*d)[0].checksum);
}

TEST_F(LayerTest, HostileEntriesAreErrors) {
  struct Case {
    const char* what;
    Bytes layer;
  } cases[] = {
      {"dot-dot path", TarBuilder().Add(Entry("../etc/passwd"), "x").Finish()},
      {"nested dot-dot", TarBuilder().Add(Entry("a/../../x"), "x").Finish()},
      {"hardlink outside", TarBuilder().Add(Entry("h", '1', "../../outside")).Finish()},
      {"hardlink to nothing", TarBuilder().Add(Entry("h", '1', "missing")).Finish()},
      {"whiteout of ..", TarBuilder().Add(Entry("a/.wh...")).Finish()},
      {"non-UTF-8 name", TarBuilder().Add(Entry("bad\xff"), "x").Finish()},
  };
  for (const Case& c : cases) {
    auto r = Apply({c.layer});
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << c.what << ": " << r.status().message();
  }
}

TEST_F(LayerTest, AbsolutePathsAreRelativeToTheRoot) {
  Bytes l1 = TarBuilder().Add(Entry("/abs/file"), "x").Add(Entry("./rel"), "y").Finish();
  auto r = Apply({l1});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::map<std::string, std::string>{{"/abs", "d"}, {"/abs/file", "-"}, {"/rel", "-"}}));
}

TEST_F(LayerTest, DeviceNodesAndFifosAreSkippedAndCounted) {
  Bytes l1 = TarBuilder().Add(Entry("dev/null", '3')).Add(Entry("run/fifo", '6')).Add(Entry("ok"), "x").Finish();
  LayerStats stats;
  auto r = Apply({l1}, &stats);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(stats.special_skipped, 2u);
  EXPECT_EQ(stats.first_special, "dev/null");
  EXPECT_EQ(r->count("/ok"), 1u);
  EXPECT_EQ(r->count("/dev/null"), 0u);
}

}  // namespace
}  // namespace ocitree
