// The public face of an ocitree repository: a real OSTree repository that
// ocitree reads and writes with its own engine.
//
//   OCITREE_ASSIGN_OR_RETURN(Repo repo, Repo::Open("repo"));
//   CommitOptions opts;  opts.branch = "os/main";  opts.tree_dir = "rootfs";
//   OCITREE_ASSIGN_OR_RETURN(CommitResult c, repo.Commit(opts));
#ifndef OCITREE_REPO_H_
#define OCITREE_REPO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocitree/status.h"

namespace ocitree {

enum class RepoMode { kBare, kBareUser, kBareUserOnly, kArchive };

class ObjectStore;  // the engine behind Repo (src/repo/object_store.h)

struct CommitOptions {
  std::string branch;    // required; must be a valid ref name
  std::string tree_dir;  // exactly one of tree_dir and tree_tar
  std::string tree_tar;
  std::string subject;
  std::string body;
  std::optional<int64_t> timestamp;  // seconds since the epoch; default: now
  std::vector<std::pair<std::string, std::string>> metadata_strings;
  bool bind_ref = true;  // add ostree.ref-binding = [branch], as `ostree commit -b`
};

struct CommitResult {
  std::string checksum;
  uint64_t content_written = 0;   // content objects newly stored
  uint64_t content_existing = 0;  // content objects already in the repo
  uint64_t bytes_written = 0;     // payload bytes of the new objects
  uint64_t entries_skipped = 0;   // device nodes, fifos, sockets left out
};

struct CheckoutOptions {
  bool user_mode = false;          // -U: no chown, no xattrs, no setuid/setgid
  bool require_hardlinks = false;  // -H: fail instead of copying
  bool union_files = false;        // --union: replace existing files
  bool process_whiteouts = false;  // --whiteouts: .wh.NAME deletes NAME
  std::string subpath;             // --subpath: check out only this path
};

struct CheckoutStats {
  uint64_t files_linked = 0;
  uint64_t files_copied = 0;
  uint64_t directories = 0;
};

struct FsckProblem {
  std::string checksum;     // the object that is missing or corrupt
  std::string object_type;  // "commit", "dirtree", "dirmeta", "file"
  std::string path;         // where in a tree it was met ("" for commits)
  std::string message;
};

struct FsckReport {
  uint64_t commits = 0;
  uint64_t objects = 0;
  std::vector<FsckProblem> problems;
  bool ok() const { return problems.empty(); }
};

struct PruneOptions {
  bool dry_run = false;
  bool refs_only = true;  // reachability from refs only (no other roots exist)
};

struct PruneReport {
  uint64_t objects_total = 0;
  uint64_t objects_unreachable = 0;
  uint64_t bytes_freed = 0;  // or that would be freed, with dry_run
};

struct MetadataItem {
  std::string key;
  std::string value_text;  // GVariant text form, as `ostree show` prints it
};

struct CommitInfo {
  std::string checksum;
  std::string parent;  // "" when none
  std::string subject;
  std::string body;
  uint64_t timestamp = 0;
  std::string root_tree;
  std::string root_meta;
  std::string content_checksum;  // sha256(root tree || root meta), as ostree log shows
  std::string version;           // the "version" metadata string, if any
  std::vector<MetadataItem> metadata;
};

struct TreeEntry {
  char type = '-';  // 'd' directory, '-' regular file, 'l' symlink
  uint32_t mode = 0;  // permission bits only
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  std::string path;  // absolute within the tree, "/usr/bin"
  std::string symlink_target;
  std::string checksum;  // content checksum, or dirtree checksum for directories
};

struct DiffEntry {
  char kind;  // 'A' added, 'D' deleted, 'M' modified
  std::string path;
};

class Repo {
 public:
  // Creates a repository at `path` (the directory may exist and be empty).
  static Result<Repo> Create(const std::string& path, RepoMode mode);
  static Result<Repo> Open(const std::string& path);

  Repo(Repo&&) noexcept;
  Repo& operator=(Repo&&) noexcept;
  ~Repo();

  RepoMode mode() const;
  const std::string& path() const;

  // A ref name, a 64-hex commit checksum or a unique prefix of one, with an
  // optional "^" suffix for the parent.
  Result<std::string> ResolveRev(std::string_view rev) const;
  Result<std::vector<std::string>> ListRefs() const;
  Status DeleteRef(std::string_view ref);

  Result<CommitResult> Commit(const CommitOptions& options);
  Result<CheckoutStats> Checkout(std::string_view rev, const std::string& destination,
                                 const CheckoutOptions& options);
  Result<FsckReport> Fsck();
  Result<PruneReport> Prune(const PruneOptions& options);

  Result<CommitInfo> ReadCommit(std::string_view rev) const;
  Result<std::vector<TreeEntry>> List(std::string_view rev, std::string_view path,
                                      bool recursive) const;
  // Writes a regular file's content (or a symlink's target) to `out_fd`.
  Status Cat(std::string_view rev, std::string_view path, int out_fd) const;
  Result<std::vector<DiffEntry>> Diff(std::string_view from, std::string_view to) const;

  // The engine, for the other ocitree modules.
  ObjectStore& store() { return *store_; }
  const ObjectStore& store() const { return *store_; }

 private:
  explicit Repo(std::unique_ptr<ObjectStore> store);
  std::unique_ptr<ObjectStore> store_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_H_
