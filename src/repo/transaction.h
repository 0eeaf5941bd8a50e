// A write transaction: objects are staged under tmp/ while the shared repo
// lock is held, then made durable with one sync, renamed into objects/
// (never replacing an existing object), and only then are refs moved.
// Commits written in a transaction are marked partial until all of their
// objects are in place. A transaction that is not committed leaves nothing
// behind but its staging directory, which the next transaction removes.
//
// Objects are staged as libostree stages them, `XX/<62 hex>.<ext>` in the
// staging directory, and the transaction keeps no list of them: the
// staging directory is the list. Publishing walks its XX/ subdirectories;
// a fixed-size Bloom filter (object_bloom.h) answers "definitely not
// staged" without a syscall, and a "maybe" is checked on disk. Memory does
// not grow with the number of objects.
//
// Small regular files are stored by a few worker threads (WorkQueue): the
// caller reads and hashes the file and goes on with its checksum while a
// worker creates and writes the object. Commit waits for them; a worker's
// error fails the next WriteContent and Commit.
//
// WriteMetadata and WriteContent may be called from several threads at once
// (not while Commit runs). Two threads writing one object store it once: a
// new object is created with O_EXCL under its staged name, or renamed there
// with RENAME_NOREPLACE; whoever loses reports it as existing.
#ifndef OCITREE_REPO_TRANSACTION_H_
#define OCITREE_REPO_TRANSACTION_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/work_queue.h"
#include "repo/free_space.h"
#include "repo/object_bloom.h"
#include "repo/object_store.h"
#include "repo/repo_lock.h"
#include "repo/staging_dir.h"

namespace ocitree {

class Transaction : public TreeSource {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(ObjectStore& store);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Stores a metadata object (bytes must be normal form); returns its checksum.
  Result<Checksum> WriteMetadata(ObjectType type, ByteView bytes);

  // Stores `bytes` (a{sv}, normal form) as the detached metadata of `commit`
  // (objects/XX/<commit>.commitmeta: signatures and the like). Detached
  // metadata the repository already has for that commit is kept.
  Status WriteDetachedMetadata(const Checksum& commit, ByteView bytes);

  struct ContentWrite {
    Checksum checksum;
    bool existed = false;  // the repo (or this transaction) already had it
  };
  // Streams exactly `size` payload bytes from `payload` into a new content
  // object, hashing as it goes. `meta` must be canonical for the repo mode.
  // Fails before writing when the object would eat into the free-space
  // reserve (repo/free_space.h); the transaction is then to be abandoned.
  Result<ContentWrite> WriteContent(const FileMeta& meta, ByteReader& payload, uint64_t size);

  // Waits until every object written so far is in the staging directory
  // (small files are written by workers); the first error of any. Commit
  // does this first.
  Status Flush();

  // Moves `ref` to `commit` when the transaction commits.
  void SetRef(std::string ref, const Checksum& commit);

  // Makes everything durable and visible, then moves the refs.
  Status Commit();

  ObjectStore& store() { return store_; }
  // Trees as this transaction sees them: staged objects first, then the repo.
  Result<DirTree> ReadDirTree(const Checksum& checksum) const override;
  Result<DirMeta> ReadDirMeta(const Checksum& checksum) const override;

 private:
  Transaction(ObjectStore& store, RepoLock lock);
  Status OpenStagingDir();
  // Whether the staging directory has `staged_name` (the object c/type).
  Result<bool> IsStaged(const std::string& staged_name, const Checksum& c, ObjectType type) const;
  Result<bool> AlreadyHave(const std::string& staged_name, const Checksum& c, ObjectType type);
  // Records c/type in the filter and makes sure its XX/ subdirectory exists:
  // called before the object's staged name is created.
  Status PrepareStaged(const Checksum& c, ObjectType type);
  // Renames `tmp_name` to `staged_name` unless that exists already (then
  // removes tmp_name). True when ours was staged.
  Result<bool> StageFinal(const std::string& tmp_name, const std::string& staged_name, const Checksum& c,
                          ObjectType type);
  Status WriteContentFile(const FileMeta& meta, ByteReader& payload, uint64_t size,
                          const std::string& tmp_name, Checksum* checksum);
  Result<ContentWrite> WriteContentObject(const FileMeta& meta, ByteReader& payload, uint64_t size,
                                          const FreeSpaceReserve::Ticket& ticket);
  Result<ContentWrite> WriteSmallContent(const FileMeta& meta, ByteReader& payload, uint64_t size,
                                         const FreeSpaceReserve::Ticket& ticket);
  // A worker's part of WriteSmallContent: creates and writes the object.
  Status StoreSmallContent(const std::string& staged, const FileMeta& meta, ByteView data,
                           const FreeSpaceReserve::Ticket& ticket);
  // Owner, mode, xattrs and mtime of a written content object (`perms_set`:
  // it was created with its final permissions).
  Status FinishContentFile(int fd, const FileMeta& meta, bool perms_set);
  Status WriteSymlinkObject(const FileMeta& meta, const std::string& tmp_name);
  Status PublishObjects();
  Status PublishSubdir(int objects_fd, const char* xx);
  // The bytes of a metadata object staged here, or nullopt.
  Result<std::optional<Bytes>> ReadStaged(ObjectType type, const Checksum& checksum) const;

  ObjectStore& store_;
  RepoLock lock_;
  // Content objects are charged against the repo's min-free-space reserve.
  FreeSpaceReserve free_space_;
  StagingDir staging_;
  std::atomic<uint64_t> counter_{0};
  // What may be in the staging directory (object_bloom.h: 2 MiB, lock-free).
  ObjectBloom staged_;
  // Which XX/ subdirectories of the staging directory were made (bit XX).
  std::atomic<uint64_t> subdirs_[4] = {};
  mutable std::mutex mu_;  // guards what follows
  std::vector<Checksum> commits_;
  std::vector<std::pair<std::string, Checksum>> refs_;
  bool committed_ = false;
  // Small files handed to a worker whose object file may not exist yet
  // (a few thousand at most: the queue is bounded).
  std::mutex queued_mu_;
  std::set<Checksum> queued_;
  // Last: destroyed first, so that no worker outlives what it writes with.
  WorkQueue writers_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_TRANSACTION_H_
