// The repository engine end to end, through the public API, on small trees
// made in a temporary directory. The real ostree checks the same in tests/integration.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "oci/oci_test_util.h"
#include "ocitree/repo.h"
#include "repo/object_store.h"
#include "repo/transaction.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;

using oci::testing::ReadWholeFile;
using oci::testing::TempDir;
using oci::testing::WriteFile;

void MakeTree(const fs::path& root) {
  fs::create_directories(root / "etc");
  fs::create_directories(root / "usr/bin");
  WriteFile(root / "etc/hostname", "box\n");
  WriteFile(root / "usr/bin/tool", "#!/bin/sh\n");
  chmod((root / "usr/bin/tool").c_str(), 0755);
  WriteFile(root / "empty", "");
  fs::create_directories(root / "var/empty-dir");
  fs::create_symlink("usr/bin", root / "bin");
  fs::create_hard_link(root / "etc/hostname", root / "etc/hostname.link");
}

CommitOptions Options(const std::string& branch, const std::string& dir) {
  CommitOptions o;
  o.branch = branch;
  o.tree_dir = dir;
  o.subject = "test";
  o.timestamp = 1704067200;
  return o;
}

class RepoModeTest : public ::testing::TestWithParam<RepoMode> {};

TEST_P(RepoModeTest, CommitCheckoutFsckRoundTrip) {
  TempDir tmp;
  fs::path tree = fs::path(tmp.path()) / "tree";
  MakeTree(tree);
  auto repo = Repo::Create(tmp.path() + "/repo", GetParam());
  ASSERT_TRUE(repo.ok()) << repo.status().message();
  auto c1 = repo->Commit(Options("os/main", tree));
  ASSERT_TRUE(c1.ok()) << c1.status().message();
  EXPECT_EQ(c1->content_written, 4u);  // hostname (and its link), tool, empty, bin
  auto c2 = repo->Commit(Options("os/main", tree));
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->content_written, 0u) << "content already stored must not be written again";
  auto info = repo->ReadCommit("os/main");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->parent, c1->checksum);

  CheckoutOptions co;
  co.user_mode = GetParam() != RepoMode::kBare && GetParam() != RepoMode::kArchive;
  std::string dest = tmp.path() + "/out";
  auto stats = repo->Checkout("os/main", dest, co);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(ReadWholeFile(dest + "/etc/hostname"), "box\n");
  EXPECT_EQ(fs::read_symlink(dest + "/bin"), "usr/bin");
  EXPECT_TRUE(fs::is_directory(dest + "/var/empty-dir"));
  EXPECT_EQ(fs::status(dest + "/usr/bin/tool").permissions() & fs::perms::owner_exec, fs::perms::owner_exec);

  auto report = repo->Fsck();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->commits, 2u);
}

INSTANTIATE_TEST_SUITE_P(AllModes, RepoModeTest,
                         ::testing::Values(RepoMode::kBare, RepoMode::kBareUser, RepoMode::kBareUserOnly,
                                           RepoMode::kArchive));

TEST(Repo, SameTreeGivesSameChecksumInEveryRepo) {
  TempDir tmp;
  fs::path tree = fs::path(tmp.path()) / "tree";
  MakeTree(tree);
  auto a = Repo::Create(tmp.path() + "/a", RepoMode::kArchive);
  auto b = Repo::Create(tmp.path() + "/b", RepoMode::kBare);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ca = a->Commit(Options("x", tree));
  auto cb = b->Commit(Options("x", tree));
  ASSERT_TRUE(ca.ok() && cb.ok());
  EXPECT_EQ(ca->checksum, cb->checksum);
}

TEST(Repo, FsckNamesACorruptMetadataObject) {
  TempDir tmp;
  fs::path tree = fs::path(tmp.path()) / "tree";
  MakeTree(tree);
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  ASSERT_TRUE(repo->Commit(Options("m", tree)).ok());
  auto info = repo->ReadCommit("m");
  ASSERT_TRUE(info.ok());
  std::string obj = tmp.path() + "/repo/objects/" + info->root_tree.substr(0, 2) + "/" + info->root_tree.substr(2) + ".dirtree";
  std::string bytes = ReadWholeFile(obj);
  bytes[0] ^= 1;
  std::ofstream(obj, std::ios::binary) << bytes;
  auto report = repo->Fsck();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].checksum, info->root_tree);
  EXPECT_EQ(report->problems[0].object_type, "dirtree");
}

TEST(Repo, AbandonedTransactionLeavesNoObjectsAndNoRef) {
  TempDir tmp;
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kBare);
  ASSERT_TRUE(repo.ok());
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    FileMeta meta;
    MemoryReader payload(AsBytes("data"));
    ASSERT_TRUE((*txn)->WriteContent(meta, payload, 4).ok());
    (*txn)->SetRef("never", Checksum{});
    // No Commit(): as if the process died here.
  }
  auto objects = repo->store().ListObjects();
  ASSERT_TRUE(objects.ok());
  EXPECT_TRUE(objects->empty());
  EXPECT_TRUE(repo->ListRefs()->empty());
  EXPECT_TRUE(fs::is_empty(tmp.path() + "/repo/tmp"));
}

TEST(Repo, ContentShorterThanDeclaredIsRejected) {
  TempDir tmp;
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  auto txn = Transaction::Begin(repo->store());
  ASSERT_TRUE(txn.ok());
  MemoryReader payload(AsBytes("abc"));
  auto w = (*txn)->WriteContent(FileMeta{}, payload, 10);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), ErrorCode::kCorrupt);
}

TEST(Repo, CheckoutNeverFollowsASymlinkOutOfTheDestination) {
  TempDir tmp;
  fs::path tree = fs::path(tmp.path()) / "tree";
  fs::create_directories(tree / "etc");
  WriteFile(tree / "etc/passwd", "inside\n");
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  ASSERT_TRUE(repo->Commit(Options("m", tree)).ok());
  fs::path outside = fs::path(tmp.path()) / "outside";
  fs::create_directories(outside);
  fs::path dest = fs::path(tmp.path()) / "dest";
  fs::create_directories(dest);
  fs::create_directory_symlink(outside, dest / "etc");
  CheckoutOptions co;
  co.union_files = true;
  auto stats = repo->Checkout("m", dest, co);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_TRUE(fs::is_empty(outside)) << "checkout wrote through a symlink";
  EXPECT_FALSE(fs::is_symlink(dest / "etc"));
  EXPECT_EQ(ReadWholeFile((dest / "etc/passwd").string()), "inside\n");
}

// The two trees of the prune tests: `tree` stays reachable ("keep"), `tree2`
// holds one file nothing else has and is committed to "drop", then unreferenced.
std::pair<fs::path, fs::path> MakeKeepAndDropTrees(const TempDir& tmp) {
  fs::path tree = fs::path(tmp.path()) / "tree";
  MakeTree(tree);
  fs::path tree2 = fs::path(tmp.path()) / "tree2";
  fs::create_directories(tree2);
  WriteFile(tree2 / "only-here", "unique content\n");
  return {tree, tree2};
}

TEST(Repo, PruneDeletesOnlyUnreachableObjects) {
  TempDir tmp;
  auto [tree, tree2] = MakeKeepAndDropTrees(tmp);
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kBareUserOnly);
  ASSERT_TRUE(repo.ok());
  ASSERT_TRUE(repo->Commit(Options("keep", tree)).ok());
  ASSERT_TRUE(repo->Commit(Options("drop", tree2)).ok());
  ASSERT_TRUE(repo->DeleteRef("drop").ok());
  PruneOptions dry;
  dry.dry_run = true;
  auto before = repo->Prune(dry);
  ASSERT_TRUE(before.ok());
  // The commit, its root dirtree and the file; the root dirmeta is shared.
  EXPECT_EQ(before->objects_unreachable, 3u);
  auto pruned = repo->Prune(PruneOptions{});
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->objects_unreachable, before->objects_unreachable);
  auto again = repo->Prune(dry);
  EXPECT_EQ(again->objects_unreachable, 0u);
  EXPECT_TRUE(repo->Fsck()->ok());
}

// Object paths below objects/ (XX/rest.ext).
std::set<std::string> ObjectFiles(const fs::path& repo) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(repo / "objects"))
    if (!e.is_directory()) out.insert(fs::relative(e.path(), repo / "objects").string());
  return out;
}

// A prune stopped half way (here by an object it cannot delete; a kill in
// test_crash_kill.sh) must not leave a commit whose objects are gone:
// unreachable commits are deleted first.
TEST(Repo, PruneDeletesUnreachableCommitsBeforeWhatTheyName) {
  TempDir tmp;
  auto [tree, tree2] = MakeKeepAndDropTrees(tmp);
  const fs::path root = tmp.path() + "/repo";
  auto repo = Repo::Create(root.string(), RepoMode::kBareUserOnly);
  ASSERT_TRUE(repo.ok());
  ASSERT_TRUE(repo->Commit(Options("keep", tree)).ok());
  std::set<std::string> before = ObjectFiles(root);
  ASSERT_TRUE(repo->Commit(Options("drop", tree2)).ok());
  ASSERT_TRUE(repo->DeleteRef("drop").ok());
  std::string commit;
  for (const std::string& f : ObjectFiles(root)) {
    if (before.count(f)) continue;
    if (f.size() > 7 && f.compare(f.size() - 7, 7, ".commit") == 0) {
      commit = f;
      continue;
    }
    // A directory in place of the object: unlink fails, the prune stops.
    fs::remove(root / "objects" / f);
    fs::create_directories(root / "objects" / f);
    WriteFile(root / "objects" / f / "x", "x");
  }
  ASSERT_FALSE(commit.empty());
  EXPECT_FALSE(repo->Prune(PruneOptions{}).ok());
  EXPECT_FALSE(fs::exists(root / "objects" / commit)) << "the unreachable commit outlived its objects";
}

TEST(Repo, RejectsBadRefNames) {
  TempDir tmp;
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  for (const char* bad : {"", "-x", "a//b", "../x", ".hidden", "a b"}) {
    auto r = repo->Commit(Options(bad, tmp.path()));
    EXPECT_FALSE(r.ok()) << bad;
  }
}

// A writer killed between creating its temporary ref file and renaming it (ocitree's
// own before refs' temporaries moved to tmp/, or any other tool's) leaves a dot-name
// under refs/heads; it is not a ref and must not make listing, fsck or prune fail.
TEST(Repo, RefWritesLeaveNothingUnderRefsAndStrayDotFilesAreNotRefs) {
  TempDir tmp;
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  fs::path tree = fs::path(tmp.path()) / "tree";
  fs::create_directories(tree);
  WriteFile(tree / "f", "x");
  ASSERT_TRUE(repo->Commit(Options("os/main", tree)).ok());
  std::vector<std::string> under_refs;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path() + "/repo/refs/heads"))
    if (!e.is_directory()) under_refs.push_back(e.path().filename());
  EXPECT_EQ(under_refs, std::vector<std::string>{"main"});

  WriteFile(fs::path(tmp.path()) / "repo/refs/heads/os/.tmp-Ab3dEf", "");
  auto refs = repo->ListRefs();
  ASSERT_TRUE(refs.ok()) << refs.status().message();
  EXPECT_EQ(*refs, std::vector<std::string>{"os/main"});
  auto report = repo->Fsck();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->problems.empty());
}

}  // namespace
}  // namespace ocitree
