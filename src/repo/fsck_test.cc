// Fsck re-hashes content objects on a pool of threads: whatever the thread
// count, every damaged object is reported, by its checksum and the path where
// the walk met it, in the same order.
#include "repo/fsck.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "oci/oci_test_util.h"
#include "repo/object_store.h"
#include "repo/transaction.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;

using oci::testing::TempDir;

// path -> content checksum of every file of a committed tree
void ListFiles(const ObjectStore& store, const Checksum& tree_c, const std::string& prefix,
               std::map<std::string, Checksum>* out) {
  auto tree = store.ReadDirTree(tree_c);
  ASSERT_TRUE(tree.ok());
  for (const auto& f : tree->files) (*out)[prefix + f.name] = f.content;
  for (const auto& d : tree->dirs) ListFiles(store, d.tree, prefix + d.name + "/", out);
}

class FsckThreadsTest : public ::testing::TestWithParam<RepoMode> {};

TEST_P(FsckThreadsTest, EveryThreadCountReportsTheDamagedObjectsInWalkOrder) {
  TempDir tmp;
  fs::path tree = fs::path(tmp.path()) / "tree";
  for (int d = 0; d < 8; d++)
    for (int f = 0; f < 40; f++) {
      fs::create_directories(tree / ("d" + std::to_string(d)));
      std::ofstream(tree / ("d" + std::to_string(d)) / ("f" + std::to_string(f)))
          << std::string(static_cast<size_t>(f * 97 + d), static_cast<char>('a' + d)) << f;
    }
  auto repo = Repo::Create(tmp.path() + "/repo", GetParam());
  ASSERT_TRUE(repo.ok());
  CommitOptions o;
  o.branch = "m";
  o.tree_dir = tree.string();
  o.timestamp = 1704067200;
  ASSERT_TRUE(repo->Commit(o).ok());
  auto store = ObjectStore::Open(tmp.path() + "/repo");
  ASSERT_TRUE(store.ok());
  auto head = (*store)->ResolveRev("m");
  ASSERT_TRUE(head.ok());
  auto commit = (*store)->ReadCommit(*head);
  ASSERT_TRUE(commit.ok());
  std::map<std::string, Checksum> files;
  ListFiles(**store, commit->root_tree, "/", &files);
  ASSERT_EQ(files.size(), 320u);

  auto object = [&](const std::string& path) {
    return tmp.path() + "/repo/" + LooseObjectPath(files.at(path), ObjectType::kFile, GetParam());
  };
  // d1/f3: one byte changed; d4/f20: deleted; d7/f39: truncated.
  {
    std::string p = object("/d1/f3");
    std::ifstream in(p, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    bytes[bytes.size() - 1] ^= 1;
    ASSERT_EQ(unlink(p.c_str()), 0);  // bare objects are read-only hardlink targets
    std::ofstream(p, std::ios::binary) << bytes;
  }
  ASSERT_EQ(unlink(object("/d4/f20").c_str()), 0);
  {
    std::string p = object("/d7/f39");
    ASSERT_EQ(truncate(p.c_str(), static_cast<off_t>(fs::file_size(p) / 2)), 0);
  }

  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    SCOPED_TRACE("threads=" + std::to_string(threads));
    auto report = FsckRepo(**store, threads);
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->problems.size(), 3u);
    EXPECT_EQ(report->problems[0].checksum, files.at("/d1/f3").Hex());
    EXPECT_EQ(report->problems[0].path, "/d1/f3");
    EXPECT_EQ(report->problems[0].object_type, "file");
    EXPECT_EQ(report->problems[1].checksum, files.at("/d4/f20").Hex());
    EXPECT_EQ(report->problems[1].path, "/d4/f20");
    EXPECT_EQ(report->problems[1].message, "missing");
    EXPECT_EQ(report->problems[2].checksum, files.at("/d7/f39").Hex());
    EXPECT_EQ(report->problems[2].path, "/d7/f39");
    EXPECT_GE(report->objects, 320u + 9u + 1u);  // files, dirtrees, dirmetas
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, FsckThreadsTest,
                         ::testing::Values(RepoMode::kArchive, RepoMode::kBareUserOnly),
                         [](const auto& info) { return info.param == RepoMode::kArchive ? "Archive" : "BareUserOnly"; });

// Small files are hashed before anything is written, and a new object is
// created under its staged name, reserved first: many threads writing the
// same content store it once, and a failed write leaves the name free.
TEST(TransactionSmallContent, ConcurrentDuplicatesStoreOneObjectAndFailuresReleaseTheName) {
  TempDir tmp;
  auto store = ObjectStore::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(store.ok());
  auto txn = Transaction::Begin(**store);
  ASSERT_TRUE(txn.ok());
  const std::string content(1000, 'x');
  FileMeta meta;

  // Declared 1000 bytes, given 999: an error, and nothing stays reserved.
  const std::string shorter = content.substr(1), longer = content + "y";
  MemoryReader short_reader(AsBytes(shorter));
  EXPECT_FALSE((*txn)->WriteContent(meta, short_reader, content.size()).ok());
  MemoryReader long_reader(AsBytes(longer));
  EXPECT_FALSE((*txn)->WriteContent(meta, long_reader, content.size()).ok());

  std::vector<Transaction::ContentWrite> results(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); i++)
    threads.emplace_back([&, i] {
      MemoryReader reader(AsBytes(content));
      auto w = (*txn)->WriteContent(meta, reader, content.size());
      ASSERT_TRUE(w.ok()) << w.status().message();
      results[i] = *w;
    });
  for (auto& t : threads) t.join();
  int fresh = 0;
  for (const auto& r : results) {
    EXPECT_EQ(r.checksum, results[0].checksum);
    fresh += r.existed ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
  ASSERT_TRUE((*txn)->Commit().ok());
  auto objects = (*store)->ListObjects();
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_TRUE(VerifyContentObject(**store, results[0].checksum).ok());
}

}  // namespace
}  // namespace ocitree
