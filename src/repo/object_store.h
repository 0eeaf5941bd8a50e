// The engine behind ocitree::Repo: the repository directory, its config,
// reading objects in every mode, and refs. Writing goes through Transaction.
#ifndef OCITREE_REPO_OBJECT_STORE_H_
#define OCITREE_REPO_OBJECT_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/checksum.h"
#include "base/io.h"
#include "ocitree/repo.h"
#include "repo/commit_object.h"
#include "repo/dirtree.h"
#include "repo/file_meta.h"
#include "repo/free_space.h"
#include "repo/object_type.h"

namespace ocitree {

class InflateScratch;  // compress/deflate.h

// An opened content object: its metadata and a stream of its payload.
struct ContentObject {
  FileMeta meta;
  uint64_t size = 0;  // payload bytes (0 for symlinks)
  std::unique_ptr<ByteReader> payload;
  // For bare modes: the object file itself, which checkouts may hardlink.
  UniqueFd fd;
};

// Metadata objects above this size are refused (libostree's limit too).
inline constexpr size_t kMaxMetadataSize = 128u << 20;

// Where trees are read from: the repository, or a transaction that also
// sees the objects it has staged but not yet published.
class TreeSource {
 public:
  virtual ~TreeSource() = default;
  virtual Result<DirTree> ReadDirTree(const Checksum& checksum) const = 0;
  virtual Result<DirMeta> ReadDirMeta(const Checksum& checksum) const = 0;
};

class ObjectStore : public TreeSource {
 public:
  static Result<std::unique_ptr<ObjectStore>> Create(const std::string& path, RepoMode mode);
  static Result<std::unique_ptr<ObjectStore>> Open(const std::string& path);

  const std::string& path() const { return path_; }
  int dirfd() const { return dirfd_.get(); }
  RepoMode mode() const { return mode_; }
  // `fsync=false` in config turns off durability syncs, as in ostree.
  bool fsync_enabled() const { return fsync_; }
  // The [core] min-free-space-* reserve that transactions keep free.
  const FreeSpaceConfig& free_space() const { return free_space_; }
  // How transactions measure the file system; tests substitute a fake.
  const StatFsFunction& statfs_function() const { return statfs_; }
  void SetStatFsFunctionForTesting(StatFsFunction f) { statfs_ = std::move(f); }

  Result<bool> HasObject(const Checksum& checksum, ObjectType type) const;
  // The raw bytes of a metadata object (not verified against its name).
  Result<Bytes> ReadMetadataBytes(ObjectType type, const Checksum& checksum) const;
  Result<CommitObject> ReadCommit(const Checksum& checksum) const;
  Result<DirTree> ReadDirTree(const Checksum& checksum) const override;
  Result<DirMeta> ReadDirMeta(const Checksum& checksum) const override;
  // With `scratch`, an archive object's payload is inflated with it (see
  // InflateScratch: one object open at a time per scratch).
  Result<ContentObject> OpenContent(const Checksum& checksum, InflateScratch* scratch = nullptr) const;
  struct StoredObject {
    Checksum checksum;
    ObjectType type;
  };
  // Every loose object in objects/ (names that are not objects are skipped).
  Result<std::vector<StoredObject>> ListObjects() const;

  // Whether state/<commit>.commitpartial exists.
  bool IsCommitPartial(const Checksum& commit) const;

  // Refs: "name" is refs/heads/name, "remote:name" is refs/remotes/remote/name.
  Result<std::optional<Checksum>> ReadRef(std::string_view ref) const;
  Result<std::vector<std::string>> ListRefs() const;
  Status WriteRef(std::string_view ref, const Checksum& commit);
  Status DeleteRef(std::string_view ref);
  Result<Checksum> ResolveRev(std::string_view rev) const;

 private:
  ObjectStore(std::string path, UniqueFd dirfd) : path_(std::move(path)), dirfd_(std::move(dirfd)) {}
  Status LoadConfig();

  std::string path_;
  UniqueFd dirfd_;
  RepoMode mode_ = RepoMode::kBare;
  bool fsync_ = true;
  FreeSpaceConfig free_space_;
  StatFsFunction statfs_ = StatFs;
};

// A valid ref name: components [A-Za-z0-9_][-._A-Za-z0-9]* joined by '/'.
bool IsValidRefName(std::string_view ref);

}  // namespace ocitree

#endif  // OCITREE_REPO_OBJECT_STORE_H_
