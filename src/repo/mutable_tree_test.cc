// Merging into a stored tree costs what changes: untouched subtrees are
// written back by checksum, without being read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ocitree/repo.h"
#include "repo/mutable_tree.h"
#include "repo/object_store.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;

Checksum FakeContent(int i) {
  Checksum c;
  c.bytes[0] = static_cast<uint8_t>(i);
  c.bytes[1] = static_cast<uint8_t>(i >> 8);
  return c;
}

TEST(MutableTree, ChangingOneFileWritesOnlyTheDirectoriesOnItsPath) {
  std::string tmpl = (fs::temp_directory_path() / "ocitree-mtree-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  auto repo = Repo::Create(dir + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  ObjectStore& store = repo->store();

  // A base of 60 directories x 50 files, two levels deep.
  MutableTree::Written base;
  {
    auto txn = Transaction::Begin(store);
    ASSERT_TRUE(txn.ok());
    MutableTree root;
    int n = 0;
    for (int d = 0; d < 60; d++) {
      auto sub = root.EnsurePath("top" + std::to_string(d % 6) + "/dir" + std::to_string(d), DirMeta{});
      ASSERT_TRUE(sub.ok());
      for (int f = 0; f < 50; f++) ASSERT_TRUE((*sub)->SetFile("file" + std::to_string(f), FakeContent(n++)).ok());
    }
    auto w = root.Write(**txn);
    ASSERT_TRUE(w.ok());
    base = *w;
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  size_t before = store.ListObjects()->size();

  auto txn = Transaction::Begin(store);
  ASSERT_TRUE(txn.ok());
  auto root = MutableTree::FromStored(**txn, base);
  auto top = root->FindDir("top3");
  ASSERT_TRUE(top.ok() && *top);
  auto leaf = (*top)->FindDir("dir9");
  ASSERT_TRUE(leaf.ok() && *leaf);
  ASSERT_TRUE((*leaf)->SetFile("added", FakeContent(99999)).ok());
  EXPECT_TRUE((*top)->FindDir("dir3").value()->untouched()) << "a sibling was read for nothing";
  auto w = root->Write(**txn);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  // Three new dirtrees (dir9, top3, the root); every dirmeta already existed.
  EXPECT_EQ(store.ListObjects()->size() - before, 3u);

  // Untouched, a stored tree writes back as itself with no object at all.
  auto txn2 = Transaction::Begin(store);
  auto same = MutableTree::FromStored(**txn2, *w)->Write(**txn2);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->tree, w->tree);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ocitree
