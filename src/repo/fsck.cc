#include "repo/fsck.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "gvariant/view.h"

namespace ocitree {

Status VerifyContentObject(const ObjectStore& store, const Checksum& checksum, VerifyScratch* scratch) {
  std::unique_ptr<VerifyScratch> own;
  if (!scratch) {
    own = std::make_unique<VerifyScratch>();
    scratch = own.get();
  }
  OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store.OpenContent(checksum, &scratch->inflate));
  OCITREE_RETURN_IF_ERROR(ValidateFileMeta(obj.meta));
  ContentHasher hasher;
  hasher.Begin(obj.meta);
  std::vector<uint8_t>& buf = scratch->buffer;
  uint64_t total = 0;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, obj.payload->Read(buf));
    if (n == 0) break;
    hasher.Update(ByteView(buf.data(), n));
    total += n;
  }
  if (total != obj.size) return Corrupt("payload has " + std::to_string(total) + " bytes, header says " + std::to_string(obj.size));
  Checksum actual = hasher.Finish();
  if (actual != checksum) return Corrupt("content hashes to " + actual.Hex());
  return {};
}

namespace {

class Fsck {
 public:
  explicit Fsck(const ObjectStore& store) : store_(store) {}

  void CheckCommit(const Checksum& c, const std::string& origin) {
    if (!visited_commits_.insert(c).second) return;
    report.commits++;
    auto bytes = LoadMetadata(ObjectType::kCommit, c, origin);
    if (!bytes) return;
    auto commit = ParseCommit(*bytes);
    if (!commit.ok()) return Problem(c, ObjectType::kCommit, origin, commit.status().message());
    if (store_.IsCommitPartial(c)) return;  // incomplete by design: counted, not traversed
    CheckDirMeta(commit->root_meta, "/");
    CheckTree(commit->root_tree, "/");
    if (commit->parent) {
      // History may be pruned away (ostree prune --depth): a missing parent is fine.
      auto have = store_.HasObject(*commit->parent, ObjectType::kCommit);
      if (have.ok() && *have) CheckCommit(*commit->parent, "parent of " + c.Hex());
    }
  }

  // Content objects are queued by the walk and re-hashed by `workers`
  // threads; the walking thread helps when the queue is full and after the
  // walk. The queue is bounded so that memory does not grow with the repo.
  void StartWorkers(unsigned workers) {
    for (unsigned t = 0; t < workers; t++)
      pool_.emplace_back([this] {
        VerifyScratch scratch;
        WorkUntilDone(&scratch);
      });
  }

  ~Fsck() { StopWorkers(); }

  // Ends the walk: helps with what is queued, waits for the workers, and
  // puts every problem in the report in walk order.
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      walk_done_ = true;
    }
    queue_cv_.notify_all();
    WorkUntilDone(&walker_scratch_);
    StopWorkers();
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& p : problems_) report.problems.push_back(std::move(p.second));
    problems_.clear();
  }

  void RefProblem(const std::string& ref, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    problems_.push_back({seq_++, {"", "ref", ref, message}});
  }

  FsckReport report;

 private:
  struct ContentJob {
    Checksum checksum;
    std::string path;
    size_t seq;  // where the walk met it, to order problems
  };
  static constexpr size_t kMaxQueued = 4096;

  void Problem(const Checksum& c, ObjectType type, const std::string& path, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    problems_.push_back({seq_++, {c.Hex(), ObjectTypeName(type), path, message}});
  }

  void Verify(const ContentJob& job, VerifyScratch* scratch) {
    Status s = VerifyContentObject(store_, job.checksum, scratch);
    if (s.ok()) return;
    std::lock_guard<std::mutex> lock(mu_);
    problems_.push_back({job.seq, {job.checksum.Hex(), ObjectTypeName(ObjectType::kFile), job.path,
                                   s.code() == ErrorCode::kNotFound ? "missing" : s.message()}});
  }

  // Called by the walk for each new content object.
  void Enqueue(ContentJob job) {
    std::unique_lock<std::mutex> lock(mu_);
    job.seq = seq_++;
    if (pool_.empty() || queue_.size() >= kMaxQueued) {
      // No workers, or they are behind: do this one here.
      lock.unlock();
      Verify(job, &walker_scratch_);
      return;
    }
    queue_.push_back(std::move(job));
    lock.unlock();
    queue_cv_.notify_one();
  }

  // Without Finish (an error ended the walk), the workers drain the queue
  // and the report is dropped.
  void StopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      walk_done_ = true;
    }
    queue_cv_.notify_all();
    for (std::thread& t : pool_) t.join();
    pool_.clear();
  }

  void WorkUntilDone(VerifyScratch* scratch) {
    for (;;) {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [this] { return !queue_.empty() || walk_done_; });
      if (queue_.empty()) return;
      ContentJob job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      Verify(job, scratch);
    }
  }

  // Reads a metadata object and checks its checksum and normal form.
  std::optional<Bytes> LoadMetadata(ObjectType type, const Checksum& c, const std::string& path) {
    report.objects++;
    auto bytes = store_.ReadMetadataBytes(type, c);
    if (!bytes.ok()) {
      Problem(c, type, path, bytes.status().code() == ErrorCode::kNotFound ? "missing" : bytes.status().message());
      return std::nullopt;
    }
    Checksum actual = Sha256::Of(*bytes);
    if (actual != c) {
      Problem(c, type, path, "corrupt: hashes to " + actual.Hex());
      return std::nullopt;
    }
    auto view = gvariant::View::Parse(MetadataVariantType(type), *bytes);
    if (!view.ok()) {
      Problem(c, type, path, "corrupt: not in normal form: " + view.status().message());
      return std::nullopt;
    }
    return std::move(bytes).value();
  }

  void CheckDirMeta(const Checksum& c, const std::string& path) {
    if (!visited_.insert(c).second) return;
    auto bytes = LoadMetadata(ObjectType::kDirMeta, c, path);
    if (!bytes) return;
    auto meta = ParseDirMeta(*bytes);
    if (!meta.ok()) Problem(c, ObjectType::kDirMeta, path, meta.status().message());
  }

  void CheckTree(const Checksum& c, const std::string& path) {
    if (!visited_.insert(c).second) return;
    auto bytes = LoadMetadata(ObjectType::kDirTree, c, path);
    if (!bytes) return;
    auto tree = ParseDirTree(*bytes);
    if (!tree.ok()) return Problem(c, ObjectType::kDirTree, path, tree.status().message());
    std::string prefix = path == "/" ? "/" : path + "/";
    for (const auto& f : tree->files) {
      if (!visited_content_.insert(f.content).second) continue;
      report.objects++;
      Enqueue({f.content, prefix + f.name, 0});
    }
    for (const auto& d : tree->dirs) {
      CheckDirMeta(d.meta, prefix + d.name);
      CheckTree(d.tree, prefix + d.name);
    }
  }

  const ObjectStore& store_;
  std::set<Checksum> visited_commits_;
  std::set<Checksum> visited_;  // dirtrees and dirmetas
  std::unordered_set<Checksum, ChecksumHash> visited_content_;
  VerifyScratch walker_scratch_;
  std::vector<std::thread> pool_;
  std::mutex mu_;  // guards what follows
  std::condition_variable queue_cv_;
  std::deque<ContentJob> queue_;
  bool walk_done_ = false;
  std::vector<std::pair<size_t, FsckProblem>> problems_;
  size_t seq_ = 0;
};

}  // namespace

Result<FsckReport> FsckRepo(const ObjectStore& store, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  Fsck fsck(store);
  fsck.StartWorkers(threads - 1);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  for (const std::string& ref : refs) {
    auto target = store.ReadRef(ref);
    if (!target.ok() || !*target) {
      fsck.RefProblem(ref, target.ok() ? "vanished" : target.status().message());
      continue;
    }
    fsck.CheckCommit(**target, "ref " + ref);
  }
  // Commits no ref names are checked too, as ostree does.
  OCITREE_ASSIGN_OR_RETURN(auto objects, store.ListObjects());
  for (const auto& o : objects)
    if (o.type == ObjectType::kCommit) fsck.CheckCommit(o.checksum, "commit");
  fsck.Finish();
  return fsck.report;
}

}  // namespace ocitree
