// Transaction's staging: objects under XX/ of the staging directory, found
// again through the Bloom filter and the directory itself, published by
// walking it.
#include "repo/transaction.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "oci/oci_test_util.h"
#include "ocitree/repo.h"
#include "repo/dirtree.h"
#include "repo/object_store.h"

namespace ocitree {
namespace {

namespace fs = std::filesystem;
using oci::testing::TempDir;

// Payload of object i: small ones go through WriteSmallContent, every 50th
// is over the 256 KiB small-file limit and goes through a tmp file + rename.
std::string Payload(int i) {
  std::string s = "object " + std::to_string(i) + "\n";
  if (i % 50 == 7) s.append(300 * 1024, static_cast<char>('a' + i % 26));
  return s;
}

Result<Transaction::ContentWrite> Write(Transaction& txn, int i) {
  std::string data = Payload(i);
  MemoryReader payload(AsBytes(data));
  FileMeta meta;
  return txn.WriteContent(meta, payload, data.size());
}

size_t CountObjects(Repo& repo, ObjectType type) {
  auto objects = repo.store().ListObjects();
  EXPECT_TRUE(objects.ok());
  size_t n = 0;
  for (const auto& o : *objects) n += o.type == type;
  return n;
}

// The staging directories below tmp/ (not their -lock files) and every
// entry in them, recursively.
std::vector<std::string> StagingEntries(const std::string& repo) {
  std::vector<std::string> out;
  for (const auto& dir : fs::directory_iterator(repo + "/tmp")) {
    if (dir.path().filename().string().rfind("staging-", 0) != 0 || !dir.is_directory()) continue;
    out.push_back(dir.path().string());
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) out.push_back(e.path().string());
  }
  return out;
}

class TransactionModeTest : public ::testing::TestWithParam<RepoMode> {};

// Two threads write the same objects in opposite orders: every object is
// written once (exactly one of the two writes reports it new), all of them
// are published, and nothing is left in the staging directory.
TEST_P(TransactionModeTest, TwoThreadsWithDuplicatesStoreEachObjectOnce) {
  TempDir tmp;
  auto repo = Repo::Create(tmp.path() + "/repo", GetParam());
  ASSERT_TRUE(repo.ok()) << repo.status().message();
  // Objects [0, 100) are in the repo before the transaction starts.
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    for (int i = 0; i < 100; i++) ASSERT_TRUE(Write(**txn, i).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  ASSERT_EQ(CountObjects(*repo, ObjectType::kFile), 100u);

  constexpr int kObjects = 3000;
  auto txn = Transaction::Begin(repo->store());
  ASSERT_TRUE(txn.ok());
  std::vector<Checksum> sums[2];
  std::vector<char> fresh[2];
  std::atomic<int> errors{0};
  auto run = [&](int t) {
    for (int k = 0; k < kObjects; k++) {
      int i = t == 0 ? k : kObjects - 1 - k;
      auto w = Write(**txn, i);
      if (!w.ok()) {
        errors++;
        continue;
      }
      sums[t].push_back(w->checksum);
      fresh[t].push_back(!w->existed);
      // Within one thread a second write is always a duplicate.
      if (i % 10 == 0) {
        auto again = Write(**txn, i);
        if (!again.ok() || !again->existed || again->checksum != w->checksum) errors++;
      }
      // Metadata too, from both threads.
      DirTree tree;
      tree.files.push_back({"f", w->checksum});
      if (!(*txn)->WriteMetadata(ObjectType::kDirTree, SerializeDirTree(tree)).ok()) errors++;
    }
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  ASSERT_EQ(errors.load(), 0);
  ASSERT_EQ(sums[0].size(), size_t{kObjects});
  ASSERT_EQ(sums[1].size(), size_t{kObjects});
  // Thread 1 wrote in reverse: its k-th write is object kObjects-1-k.
  int written = 0;
  for (int i = 0; i < kObjects; i++) {
    const int k1 = kObjects - 1 - i;
    ASSERT_EQ(sums[0][i], sums[1][k1]) << i;
    const int news = fresh[0][i] + fresh[1][k1];
    if (i < 100) {
      EXPECT_EQ(news, 0) << "object " << i << " was in the repo already";
    } else {
      EXPECT_EQ(news, 1) << "object " << i << " must be new to exactly one of the two writes";
    }
    written += news;
  }
  EXPECT_EQ(written, kObjects - 100);
  ASSERT_TRUE((*txn)->Commit().ok());
  // Publishing leaves the staging directory empty (its XX/ dirs removed too).
  EXPECT_EQ(StagingEntries(tmp.path() + "/repo").size(), 1u);
  txn->reset();
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), size_t{kObjects});
  EXPECT_EQ(CountObjects(*repo, ObjectType::kDirTree), size_t{kObjects});
  for (int i = 0; i < kObjects; i += 7) {
    auto obj = repo->store().OpenContent(sums[0][i]);
    ASSERT_TRUE(obj.ok()) << obj.status().message();
    EXPECT_EQ(obj->size, Payload(i).size());
  }
  EXPECT_TRUE(fs::is_empty(tmp.path() + "/repo/tmp"));
}

INSTANTIATE_TEST_SUITE_P(Modes, TransactionModeTest,
                         ::testing::Values(RepoMode::kArchive, RepoMode::kBareUserOnly, RepoMode::kBare));

TEST(Transaction, StagesUnderSubdirectoriesAndPublishesOnlyObjects) {
  TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  auto repo = Repo::Create(root, RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  auto txn = Transaction::Begin(repo->store());
  ASSERT_TRUE(txn.ok());
  auto small = Write(**txn, 1);
  auto big = Write(**txn, 7);
  ASSERT_TRUE(small.ok() && big.ok());
  ASSERT_TRUE((*txn)->Flush().ok());  // the small one is written by a worker
  std::set<std::string> staged;
  for (const std::string& p : StagingEntries(root)) staged.insert(p.substr(p.find("/staging-")));
  std::string dir;
  for (const std::string& p : staged) dir = p.substr(0, p.find('/', 1));
  auto rel = [&](const Checksum& c) {
    std::string hex = c.Hex();
    return dir + "/" + hex.substr(0, 2) + "/" + hex.substr(2) + ".filez";
  };
  EXPECT_TRUE(staged.count(rel(small->checksum))) << "staged as XX/<62 hex>.filez";
  EXPECT_TRUE(staged.count(rel(big->checksum)));
  for (const std::string& p : staged) EXPECT_EQ(p.find("/tmp-"), std::string::npos) << p << " left behind";
  // A temporary file, as a failed write would leave it: never published.
  const std::string stray = root + "/tmp" + dir + "/tmp-999";
  oci::testing::WriteFile(stray, "half");
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 2u);
  EXPECT_TRUE(fs::exists(stray));
  txn->reset();
  EXPECT_TRUE(fs::is_empty(root + "/tmp"));
}

// A subdirectory the repo does not have yet is moved over whole (the same
// inode); where objects/XX exists, objects are moved into it one by one and
// what it held stays.
TEST(Transaction, NewSubdirectoriesAreMovedWholeAndExistingOnesMergedInto) {
  TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  auto repo = Repo::Create(root, RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  std::set<std::string> written;
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    for (int i = 0; i < 300; i++) {
      auto w = Write(**txn, i);
      ASSERT_TRUE(w.ok()) << w.status().message();
      written.insert(w->checksum.Hex());
    }
    std::map<std::string, ino_t> staged_dirs;  // XX -> inode
    for (const std::string& p : StagingEntries(root)) {
      struct stat st;
      std::string name = fs::path(p).filename().string();
      if (name.size() == 2 && stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) staged_dirs[name] = st.st_ino;
    }
    ASSERT_GT(staged_dirs.size(), 100u);
    // objects/ab exists already, holding something of its own.
    fs::create_directories(root + "/objects/ab");
    oci::testing::WriteFile(root + "/objects/ab/not-an-object", "mine");
    ASSERT_TRUE((*txn)->Commit().ok());
    for (const auto& [xx, ino] : staged_dirs) {
      struct stat st;
      ASSERT_EQ(stat((root + "/objects/" + xx).c_str(), &st), 0) << xx;
      if (xx == "ab")
        EXPECT_NE(st.st_ino, ino) << "objects/ab existed: merged into, not replaced";
      else
        EXPECT_EQ(st.st_ino, ino) << "objects/" << xx << " is the staged subdirectory, moved";
    }
    EXPECT_TRUE(fs::exists(root + "/objects/ab/not-an-object"));
  }
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 300u);
  {
    // Half already stored, half new: the new ones go into existing subdirectories.
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    for (int i = 150; i < 600; i++) {
      auto w = Write(**txn, i);
      ASSERT_TRUE(w.ok());
      EXPECT_EQ(w->existed, i < 300) << i;
      written.insert(w->checksum.Hex());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 600u);
  auto objects = repo->store().ListObjects();
  ASSERT_TRUE(objects.ok());
  std::set<std::string> listed;
  for (const auto& o : *objects) listed.insert(o.checksum.Hex());
  EXPECT_EQ(listed, written);
  EXPECT_TRUE(fs::is_empty(root + "/tmp"));
  auto report = repo->Fsck();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
}

TEST(Transaction, CommitWithNothingStaged) {
  TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  auto repo = Repo::Create(root, RepoMode::kBareUserOnly);
  ASSERT_TRUE(repo.ok());
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 0u);
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(Write(**txn, 3).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  // Only objects the repo has: nothing to publish.
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    auto w = Write(**txn, 3);
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE(w->existed);
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 1u);
  EXPECT_TRUE(fs::is_empty(root + "/tmp"));
}

TEST(Transaction, StagedTreesAreReadBackBeforeCommit) {
  TempDir tmp;
  auto repo = Repo::Create(tmp.path() + "/repo", RepoMode::kArchive);
  ASSERT_TRUE(repo.ok());
  auto txn = Transaction::Begin(repo->store());
  ASSERT_TRUE(txn.ok());
  auto w = Write(**txn, 2);
  ASSERT_TRUE(w.ok());
  DirTree tree;
  tree.files.push_back({"file", w->checksum});
  auto c = (*txn)->WriteMetadata(ObjectType::kDirTree, SerializeDirTree(tree));
  ASSERT_TRUE(c.ok());
  auto back = (*txn)->ReadDirTree(*c);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->files.size(), 1u);
  EXPECT_EQ(back->files[0].content, w->checksum);
  // Neither staged nor stored: the repo's answer.
  auto missing = (*txn)->ReadDirTree(Sha256::Of("nothing"));
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  // The same checksum as another object type is another object.
  auto meta = (*txn)->ReadDirMeta(*c);
  EXPECT_EQ(meta.status().code(), ErrorCode::kNotFound);
}

// A small object whose write fails half way is removed, and the same
// object written again afterwards is new.
TEST(Transaction, FailedSmallWriteLeavesNothing) {
  TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  auto repo = Repo::Create(root, RepoMode::kBare);
  ASSERT_TRUE(repo.ok());
  auto txn = Transaction::Begin(repo->store());
  ASSERT_TRUE(txn.ok());
  FileMeta meta;
  meta.uid = getuid();
  meta.gid = getgid();
  meta.xattrs.push_back({"nosuchnamespace.x", Bytes{'1'}});  // fsetxattr refuses it after the data
  std::string data = "payload";
  MemoryReader payload(AsBytes(data));
  (*txn)->SetRef("failed", Sha256::Of("x"));
  // A worker writes it: the error comes from Commit, which waits for it (or
  // from a WriteContent after the worker failed).
  auto w = (*txn)->WriteContent(meta, payload, data.size());
  Status st = w.ok() ? (*txn)->Commit() : w.status();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nosuchnamespace"), std::string::npos) << st.message();
  for (const std::string& p : StagingEntries(root))
    EXPECT_FALSE(fs::is_regular_file(p)) << p << " left behind by a failed write";
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 0u);
  EXPECT_FALSE(fs::exists(root + "/refs/heads/failed"));
}

// Once a worker has failed, the next small write reports that error
// instead of queueing more, and Commit fails with it.
TEST(Transaction, WorkerErrorFailsLaterWritesAndCommit) {
  TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  auto repo = Repo::Create(root, RepoMode::kBare);
  ASSERT_TRUE(repo.ok());
  auto txn = Transaction::Begin(repo->store());
  ASSERT_TRUE(txn.ok());
  FileMeta bad;
  bad.uid = getuid();
  bad.gid = getgid();
  bad.xattrs.push_back({"nosuchnamespace.x", Bytes{'1'}});
  std::string data = "payload";
  MemoryReader payload(AsBytes(data));
  ASSERT_TRUE((*txn)->WriteContent(bad, payload, data.size()).ok());
  FileMeta good;
  good.uid = getuid();
  good.gid = getgid();
  Status later;
  for (int i = 0; i < 10000 && later.ok(); i++) {  // until the worker's error has landed
    std::string other = "other " + std::to_string(i);
    MemoryReader reader(AsBytes(other));
    later = (*txn)->WriteContent(good, reader, other.size()).status();
  }
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.message().find("earlier file"), std::string::npos) << later.message();
  EXPECT_NE(later.message().find("nosuchnamespace"), std::string::npos) << later.message();
  Status st = (*txn)->Commit();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nosuchnamespace"), std::string::npos) << st.message();
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 0u);
}

// A transaction killed mid-way publishes nothing; the next one removes its
// staging directory.
TEST(Transaction, KilledTransactionPublishesNothing) {
  TempDir tmp;
  const std::string root = tmp.path() + "/repo";
  {
    auto repo = Repo::Create(root, RepoMode::kArchive);
    ASSERT_TRUE(repo.ok());
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto repo = Repo::Open(root);
    if (!repo.ok()) _exit(2);
    auto txn = Transaction::Begin(repo->store());
    if (!txn.ok()) _exit(3);
    for (int i = 0; i < 200; i++)
      if (!Write(**txn, i).ok()) _exit(4);
    (*txn)->SetRef("killed", Sha256::Of("x"));
    raise(SIGKILL);
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited with " << status;
  auto repo = Repo::Open(root);
  ASSERT_TRUE(repo.ok());
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 0u);
  EXPECT_TRUE(repo->ListRefs()->empty());
  EXPECT_FALSE(StagingEntries(root).empty()) << "the killed writer's staging directory is still there";
  {
    auto txn = Transaction::Begin(repo->store());
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(CountObjects(*repo, ObjectType::kFile), 0u);
  EXPECT_TRUE(fs::is_empty(root + "/tmp"));
}

}  // namespace
}  // namespace ocitree
