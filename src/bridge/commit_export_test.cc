// Push (export) of a commit and the pull that restores it: identical commit,
// detached metadata, determinism, the --max-layers rule on a real tree,
// the fallback when the tree does not match, and what images/prune see.
#include "bridge/commit_export.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "base/fs_util.h"
#include "bridge/carried_commit.h"
#include "bridge/commit_restore.h"
#include "oci/oci_test_util.h"
#include "ocitree/image.h"
#include "ocitree/push.h"
#include "repo/object_store.h"
#include "repo/transaction.h"

namespace ocitree {
namespace {

using oci::testing::TempDir;

void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

std::string ReadAll(const std::string& path) {
  auto s = ReadFileAt(AT_FDCWD, path);
  return s.ok() ? *s : "<missing " + path + ">";
}

// Every file below `dir` (relative path -> content).
std::map<std::string, std::string> Snapshot(const std::string& dir, const std::string& rel = "") {
  std::map<std::string, std::string> out;
  UniqueFd fd(::open((dir + "/" + rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return out;
  auto names = ListDirectory(fd.get());
  for (const std::string& n : *names) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    struct stat st;
    ::lstat((dir + "/" + r).c_str(), &st);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = ::readlink((dir + "/" + r).c_str(), target, sizeof target);
      out[r] = "link:" + std::string(target, n > 0 ? static_cast<size_t>(n) : 0);
    } else if (S_ISDIR(st.st_mode)) {
      auto sub = Snapshot(dir, r);
      out.insert(sub.begin(), sub.end());
    } else {
      out[r] = ReadAll(dir + "/" + r);
    }
  }
  return out;
}

class CommitExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = tmp_.Sub("tree");
    ASSERT_EQ(::mkdir(tree_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((tree_ + "/etc").c_str(), 0750), 0);
    ASSERT_EQ(::mkdir((tree_ + "/empty").c_str(), 0700), 0);
    ASSERT_EQ(::mkdir((tree_ + "/usr").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((tree_ + "/usr/lib").c_str(), 0755), 0);
    WriteFile(tree_ + "/etc/hostname", "box\n");
    WriteFile(tree_ + "/etc/copy-of-hostname", "box\n");  // same content object: a hardlink in the tar
    WriteFile(tree_ + "/usr/run", "#!/bin/sh\n", 04755);
    WriteFile(tree_ + "/usr/lib/big", std::string(700000, 'x') + "end", 0644);
    for (int i = 0; i < 300; i++) WriteFile(tree_ + "/usr/lib/f" + std::to_string(i), "file " + std::to_string(i));
    ASSERT_EQ(::symlink("usr/lib", (tree_ + "/lib").c_str()), 0);
    auto repo = Repo::Create(tmp_.Sub("src"), RepoMode::kArchive);
    ASSERT_TRUE(repo.ok()) << repo.status().message();
    src_ = std::make_unique<Repo>(std::move(*repo));
    commit_ = Commit("os/main", "release 1");
  }

  std::string Commit(const std::string& branch, const std::string& subject) {
    CommitOptions o;
    o.branch = branch;
    o.tree_dir = tree_;
    o.subject = subject;
    o.body = "the body";
    o.timestamp = 1704067200;
    o.metadata_strings = {{"version", "1.0"}, {"ostree.architecture", "aarch64"}};
    auto r = src_->Commit(o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->checksum : "";
  }

  Result<PushResult> Push(const std::string& rev, const std::string& image, size_t max_layers = 1) {
    PushOptions o;
    o.max_layers = max_layers;
    return PushImage(*src_, rev, image, o);
  }

  std::unique_ptr<Repo> FreshRepo(const std::string& name, RepoMode mode = RepoMode::kArchive) {
    auto repo = Repo::Create(tmp_.Sub(name), mode);
    EXPECT_TRUE(repo.ok()) << repo.status().message();
    return std::make_unique<Repo>(std::move(*repo));
  }

  TempDir tmp_;
  std::string tree_;
  std::unique_ptr<Repo> src_;
  std::string commit_;
};

TEST_F(CommitExportTest, PullRestoresTheIdenticalCommitWithDetachedMetadata) {
  // Detached metadata (as `ostree commit --add-detached-metadata-string`).
  Checksum c = *Checksum::FromHex(commit_);
  MetadataBuilder detached;
  detached.SetString("sig", "signature bytes");
  Bytes detached_bytes = detached.Finish();
  {
    auto txn = Transaction::Begin(src_->store());
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->WriteDetachedMetadata(c, detached_bytes).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto pushed = Push("os/main", "oci:" + tmp_.Sub("layout") + ":v1");
  ASSERT_TRUE(pushed.ok()) << pushed.status().message();
  EXPECT_EQ(pushed->commit, commit_);
  EXPECT_EQ(pushed->platform, "linux/arm64/v8");
  ASSERT_EQ(pushed->layers.size(), 1u);
  EXPECT_TRUE(pushed->warnings.empty());

  auto dst = FreshRepo("dst");
  PullOptions po;
  po.branch = "pulled";
  po.platform = "linux/arm64/v8";
  auto pulled = PullImage(*dst, "oci:" + tmp_.Sub("layout") + ":v1", po);
  ASSERT_TRUE(pulled.ok()) << pulled.status().message();
  EXPECT_TRUE(pulled->commit_restored);
  EXPECT_EQ(pulled->commit, commit_);
  EXPECT_EQ(*dst->ResolveRev("pulled"), commit_);
  EXPECT_EQ(*dst->store().ReadMetadataBytes(ObjectType::kCommit, c), *src_->store().ReadMetadataBytes(ObjectType::kCommit, c));
  EXPECT_EQ(*dst->store().ReadMetadataBytes(ObjectType::kCommitMeta, c), detached_bytes);
  auto fsck = dst->Fsck();
  ASSERT_TRUE(fsck.ok());
  EXPECT_TRUE(fsck->ok());
  ASSERT_TRUE(dst->Checkout("pulled", tmp_.Sub("co"), {}).ok());
  EXPECT_EQ(Snapshot(tmp_.Sub("co")), Snapshot(tree_));

  // The image record is on the companion; images lists the branch once.
  auto images = ListImages(*dst);
  ASSERT_TRUE(images.ok());
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].branch, "pulled");
  EXPECT_EQ((*images)[0].commit, commit_);
  EXPECT_EQ((*images)[0].manifest_digest, pushed->manifest_digest);
  EXPECT_EQ((*images)[0].layers, 1u);

  // Pulling again is up to date.
  auto again = PullImage(*dst, "oci:" + tmp_.Sub("layout") + ":v1", po);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->up_to_date);

  // --reconstruct of the branch uses the record on the companion.
  PushOptions ro;
  ro.reconstruct = true;
  auto rebuilt = PushImage(*dst, "pulled", "oci:" + tmp_.Sub("rebuilt") + ":v1", ro);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().message();
  EXPECT_EQ(rebuilt->config_digest, pushed->config_digest);
  EXPECT_EQ(rebuilt->manifest_digest, pushed->manifest_digest);

  // Prune keeps the layers while the branch holds the commit...
  auto kept = PruneImages(*dst, {});
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->layer_refs_removed.empty());
  EXPECT_EQ(kept->objects.objects_unreachable, 0u);
  // ...and drops the record and the layers once the branch is deleted.
  ASSERT_TRUE(dst->DeleteRef("pulled").ok());
  auto dropped = PruneImages(*dst, {});
  ASSERT_TRUE(dropped.ok());
  std::set<std::string> removed(dropped->layer_refs_removed.begin(), dropped->layer_refs_removed.end());
  EXPECT_TRUE(removed.count(RecordRef("pulled")));
  EXPECT_EQ(removed.size(), 3u);  // record, layer, recipe
  auto refs = dst->ListRefs();
  ASSERT_TRUE(refs.ok());
  EXPECT_TRUE(refs->empty());
}

TEST_F(CommitExportTest, SameCommitGivesByteIdenticalImages) {
  auto a = Push(commit_, "oci:" + tmp_.Sub("a") + ":v1", 4);
  auto b = Push(commit_, "oci:" + tmp_.Sub("b") + ":v1", 4);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(a->manifest_digest, b->manifest_digest);
  EXPECT_EQ(Snapshot(tmp_.Sub("a")), Snapshot(tmp_.Sub("b")));
  EXPECT_EQ(a->layers.size(), 4u);
  // zstd and none are deterministic too, and restore as well.
  for (PushCompression c : {PushCompression::kZstd, PushCompression::kNone}) {
    PushOptions o;
    o.compression = c;
    o.max_layers = 3;
    auto x = PushImage(*src_, commit_, "oci:" + tmp_.Sub("x") + ":v1", o);
    auto y = PushImage(*src_, commit_, "oci:" + tmp_.Sub("y") + ":v1", o);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(x->manifest_digest, y->manifest_digest);
    auto dst = FreshRepo("dst-" + std::to_string(static_cast<int>(c)));
    PullOptions po;
    po.branch = "b";
    po.platform = "linux/arm64";
    auto pulled = PullImage(*dst, "oci:" + tmp_.Sub("x") + ":v1", po);
    ASSERT_TRUE(pulled.ok()) << pulled.status().message();
    EXPECT_EQ(pulled->commit, commit_);
    ASSERT_EQ(::system(("rm -rf " + tmp_.Sub("x") + " " + tmp_.Sub("y")).c_str()), 0);
  }
}

TEST_F(CommitExportTest, ChangingOneFileChangesOneLayer) {
  auto first = Push(commit_, "oci:" + tmp_.Sub("l1") + ":v1", 8);
  ASSERT_TRUE(first.ok()) << first.status().message();
  WriteFile(tree_ + "/usr/lib/f42", "changed");
  std::string second_commit = Commit("os/main", "release 2");
  auto second = Push(second_commit, "oci:" + tmp_.Sub("l2") + ":v1", 8);
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_EQ(first->layers.size(), 8u);
  ASSERT_EQ(second->layers.size(), 8u);
  int changed = 0;
  for (size_t i = 0; i < 8; i++) changed += first->layers[i].digest != second->layers[i].digest;
  EXPECT_EQ(changed, 1);
  EXPECT_NE(first->config_digest, second->config_digest);
  // And an 8-layer image still restores the commit.
  auto dst = FreshRepo("dst");
  PullOptions po;
  po.platform = "linux/arm64";
  auto pulled = PullImage(*dst, "oci:" + tmp_.Sub("l2") + ":v1", po);
  ASSERT_TRUE(pulled.ok()) << pulled.status().message();
  EXPECT_EQ(pulled->commit, second_commit);
}

TEST_F(CommitExportTest, TreeThatDoesNotMatchFallsBackToAnImageCommit) {
  auto pushed = Push(commit_, "oci:" + tmp_.Sub("layout") + ":v1");
  ASSERT_TRUE(pushed.ok()) << pushed.status().message();
  auto dst = FreshRepo("dst");
  PullOptions po;
  po.branch = "b";
  po.platform = "linux/arm64";
  po.hooks.path_prefix = "sysroot";  // another tree than the commit's
  auto pulled = PullImage(*dst, "oci:" + tmp_.Sub("layout") + ":v1", po);
  ASSERT_TRUE(pulled.ok()) << pulled.status().message();
  EXPECT_FALSE(pulled->commit_restored);
  EXPECT_NE(pulled->commit, commit_);
  auto refs = dst->ListRefs();
  ASSERT_TRUE(refs.ok());
  for (const std::string& r : *refs) EXPECT_FALSE(IsRecordRef(r)) << r;
  auto images = ListImages(*dst);
  ASSERT_TRUE(images.ok());
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].commit, pulled->commit);
}

TEST_F(CommitExportTest, BrokenCarriedCommitIsRefused) {
  std::map<std::string, std::string> labels = CarriedCommitLabels(Checksum(), AsBytes("not a commit"), std::nullopt);
  auto r = ReadCarriedCommit(labels);
  EXPECT_FALSE(r.ok());
  labels.erase(kLabelCommitObject);
  auto none = ReadCarriedCommit(labels);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(CommitExportTest, WhiteoutNamesAndBadOptionsAreErrors) {
  WriteFile(tree_ + "/etc/.wh.hostname", "x");
  std::string c = Commit("os/wh", "whiteout name");
  auto r = Push(c, "oci:" + tmp_.Sub("wh") + ":v1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(".wh."), std::string::npos) << r.status().message();
  auto layers = Push(commit_, "oci:" + tmp_.Sub("bad") + ":v1", 0);
  EXPECT_EQ(layers.status().code(), ErrorCode::kInvalidArgument);
  // Nothing is tagged after a failed push.
  EXPECT_EQ(ReadAll(tmp_.Sub("wh") + "/index.json").find("\"v1\""), std::string::npos);
}

}  // namespace
}  // namespace ocitree
