// Checkout of trees wide and deep enough that several workers share them:
// every directory gets its own metadata after its entries, and a failure
// anywhere ends the checkout with that error.
#include "repo/checkout.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "oci/oci_test_util.h"
#include "ocitree/repo.h"
#include "repo/object_type.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;

using oci::testing::ReadWholeFile;
using oci::testing::TempDir;
using oci::testing::WriteFile;

// 30 directories of 8 subdirectories of 3 files each; every seventh
// directory is read-only (entries must be placed before its mode is set).
void MakeWideTree(const fs::path& root) {
  for (int i = 0; i < 30; i++) {
    fs::path top = root / ("d" + std::to_string(i));
    for (int j = 0; j < 8; j++) {
      fs::path sub = top / ("s" + std::to_string(j));
      fs::create_directories(sub);
      for (int k = 0; k < 3; k++)
        WriteFile(sub / ("f" + std::to_string(k)), "file " + std::to_string(i) + "/" + std::to_string(j) + "/" +
                                                        std::to_string(k) + "\n");
      chmod(sub.c_str(), (i * 8 + j) % 7 == 0 ? 0555 : 0750);
    }
    chmod(top.c_str(), i % 7 == 0 ? 0555 : 0755);
  }
}

Result<Repo> CommitWideTree(const TempDir& tmp, std::string* tree_dir) {
  *tree_dir = tmp.path() + "/tree";
  MakeWideTree(*tree_dir);
  OCITREE_ASSIGN_OR_RETURN(Repo repo, Repo::Create(tmp.path() + "/repo", RepoMode::kBareUserOnly));
  CommitOptions o;
  o.branch = "wide";
  o.tree_dir = *tree_dir;
  o.timestamp = 1704067200;
  OCITREE_RETURN_IF_ERROR(repo.Commit(o).status());
  return repo;
}

TEST(CheckoutTest, EveryDirectoryOfAWideTreeGetsItsModeAndTimeAfterItsEntries) {
  TempDir tmp;
  std::string tree;
  auto repo = CommitWideTree(tmp, &tree);
  ASSERT_TRUE(repo.ok()) << repo.status().message();
  CheckoutOptions co;
  co.user_mode = true;
  co.require_hardlinks = true;
  const std::string dest = tmp.path() + "/out";
  auto stats = repo->Checkout("wide", dest, co);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->directories, 1u + 30u + 30u * 8u);
  EXPECT_EQ(stats->files_linked, 30u * 8u * 3u);
  EXPECT_EQ(stats->files_copied, 0u);
  size_t dirs = 0;
  for (const auto& e : fs::recursive_directory_iterator(tree)) {
    fs::path out = dest / fs::relative(e.path(), tree);
    struct stat want, got;
    ASSERT_EQ(lstat(e.path().c_str(), &want), 0);
    ASSERT_EQ(lstat(out.c_str(), &got), 0) << out;
    EXPECT_EQ(got.st_mode & 07777, want.st_mode & 07777) << out;
    EXPECT_EQ(got.st_mtim.tv_sec, 0) << out << ": its time was set before its last entry was placed";
    if (S_ISDIR(want.st_mode)) {
      dirs++;
    } else {
      EXPECT_EQ(ReadWholeFile(out.string()), ReadWholeFile(e.path().string())) << out;
    }
  }
  EXPECT_EQ(dirs, 30u + 30u * 8u);
}

TEST(CheckoutTest, AMissingObjectDeepInTheTreeFailsTheCheckout) {
  TempDir tmp;
  std::string tree;
  auto repo = CommitWideTree(tmp, &tree);
  ASSERT_TRUE(repo.ok()) << repo.status().message();
  // Find the content object of one file and remove it from the repo.
  auto entries = repo->List("wide", "/d17/s5", false);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  std::string content;
  for (const TreeEntry& e : *entries)
    if (e.path == "/d17/s5/f1") content = e.checksum;
  ASSERT_EQ(content.size(), 64u);
  auto checksum = Checksum::FromHex(content);
  ASSERT_TRUE(checksum.ok());
  const std::string object =
      tmp.path() + "/repo/" + LooseObjectPath(*checksum, ObjectType::kFile, RepoMode::kBareUserOnly);
  ASSERT_EQ(unlink(object.c_str()), 0) << object;
  CheckoutOptions co;
  co.user_mode = true;
  for (int run = 0; run < 5; run++) {
    auto stats = repo->Checkout("wide", tmp.path() + "/out" + std::to_string(run), co);
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.status().code(), ErrorCode::kNotFound) << stats.status().message();
    EXPECT_NE(stats.status().message().find(content), std::string::npos) << stats.status().message();
  }
}

}  // namespace
}  // namespace ocitree
