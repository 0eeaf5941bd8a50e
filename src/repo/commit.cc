#include "repo/commit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <map>

#include "base/fs_util.h"
#include "base/log.h"
#include "repo/commit_object.h"
#include "repo/dirtree.h"

namespace ocitree {
void CanonicalizeForMode(RepoMode mode, FileMeta* meta) {
  if (mode != RepoMode::kBareUserOnly) return;
  meta->uid = 0;
  meta->gid = 0;
  meta->xattrs.clear();
  if (meta->is_regular()) meta->mode = S_IFREG | (meta->mode & 0755);
}

void CanonicalizeForMode(RepoMode mode, DirMeta* meta) {
  if (mode != RepoMode::kBareUserOnly) return;
  meta->uid = 0;
  meta->gid = 0;
  meta->xattrs.clear();
  meta->mode = S_IFDIR | (meta->mode & 0755);
}

namespace {
std::string FdPath(int dirfd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
}

// Walks a directory with *at() calls; hardlinked files are read once.
class DirectoryWalker {
 public:
  DirectoryWalker(Transaction& txn, CommitResult* stats) : txn_(txn), mode_(txn.store().mode()), stats_(stats) {}

  Status WalkDir(int dirfd, const std::string& display, MutableTree* tree) {
    struct stat st;
    if (fstat(dirfd, &st) != 0) return Status::FromErrno("stat " + display, errno);
    DirMeta meta{st.st_uid, st.st_gid, st.st_mode, {}};
    if (mode_ != RepoMode::kBareUserOnly) {
      OCITREE_ASSIGN_OR_RETURN(meta.xattrs, ReadXattrsFd(dirfd));
    }
    CanonicalizeForMode(mode_, &meta);
    OCITREE_RETURN_IF_ERROR(tree->SetMeta(meta));
    OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dirfd));
    for (const std::string& name : names) {
      std::string path = display + "/" + name;
      if (!IsValidFileName(name)) return InvalidArgument("file name is not valid UTF-8: " + path);
      Status s = WalkEntry(dirfd, name, path, tree);
      if (!s.ok()) return s;
    }
    return {};
  }

 private:
  Status WalkEntry(int dirfd, const std::string& name, const std::string& path, MutableTree* tree) {
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::FromErrno("stat " + path, errno);
    if (S_ISDIR(st.st_mode)) {
      UniqueFd child(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child.valid()) return Status::FromErrno("open " + path, errno);
      OCITREE_ASSIGN_OR_RETURN(MutableTree * sub, tree->EnsureDir(name, DirMeta{}));
      return WalkDir(child.get(), path, sub);
    }
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
      stats_->entries_skipped++;
      LogWarning("skipping " + path + ": OSTree stores only regular files, symlinks and directories");
      return {};
    }
    auto key = std::make_pair(st.st_dev, st.st_ino);
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto it = seen_.find(key);
      if (it != seen_.end()) return tree->SetFile(name, it->second);
    }
    FileMeta meta{st.st_uid, st.st_gid, st.st_mode, "", {}};
    Transaction::ContentWrite written;
    if (S_ISLNK(st.st_mode)) {
      OCITREE_ASSIGN_OR_RETURN(meta.symlink_target, ReadLinkAt(dirfd, name));
      if (!IsValidUtf8(meta.symlink_target)) return InvalidArgument("symlink target is not valid UTF-8: " + path);
      if (mode_ != RepoMode::kBareUserOnly) {
        OCITREE_ASSIGN_OR_RETURN(meta.xattrs, ReadXattrsPath(FdPath(dirfd, name), false));
      }
      CanonicalizeForMode(mode_, &meta);
      MemoryReader empty({});
      auto w = txn_.WriteContent(meta, empty, 0);
      if (!w.ok()) return w.status().WithContext(path);
      written = *w;
    } else {
      UniqueFd fd(openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
      if (!fd.valid()) return Status::FromErrno("open " + path, errno);
      if (mode_ != RepoMode::kBareUserOnly) {
        OCITREE_ASSIGN_OR_RETURN(meta.xattrs, ReadXattrsFd(fd.get()));
      }
      CanonicalizeForMode(mode_, &meta);
      FdReader reader(fd.get(), path);
      auto w = txn_.WriteContent(meta, reader, static_cast<uint64_t>(st.st_size));
      if (!w.ok()) return w.status().WithContext(path);
      written = *w;
      if (!written.existed) stats_->bytes_written += static_cast<uint64_t>(st.st_size);
      if (st.st_nlink > 1) seen_[key] = written.checksum;
    }
    (written.existed ? stats_->content_existing : stats_->content_written)++;
    return tree->SetFile(name, written.checksum);
  }

  Transaction& txn_;
  RepoMode mode_;
  CommitResult* stats_;
  std::map<std::pair<dev_t, ino_t>, Checksum> seen_;
};

}  // namespace

Status BuildTreeFromDirectory(Transaction& txn, const std::string& path, MutableTree* root, CommitResult* stats) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open directory " + path, errno);
  DirectoryWalker walker(txn, stats);
  return walker.WalkDir(fd.get(), path, root);
}

Result<Checksum> WriteCommitObject(Transaction& txn, const CommitOptions& options,
                                   const MutableTree::Written& root, const std::optional<Checksum>& parent) {
  MetadataBuilder metadata;
  for (const auto& [key, value] : options.metadata_strings) {
    if (key.empty()) return InvalidArgument("metadata key is empty");
    metadata.SetString(key, value);
  }
  if (options.bind_ref) metadata.SetStringArray("ostree.ref-binding", {options.branch});
  CommitObject commit;
  commit.metadata = metadata.Finish();
  commit.parent = parent;
  commit.subject = options.subject;
  commit.body = options.body;
  if (options.timestamp) {
    if (*options.timestamp < 0) return InvalidArgument("timestamp before 1970");
    commit.timestamp = static_cast<uint64_t>(*options.timestamp);
  } else {
    commit.timestamp = static_cast<uint64_t>(time(nullptr));
  }
  commit.root_tree = root.tree;
  commit.root_meta = root.meta;
  OCITREE_ASSIGN_OR_RETURN(Checksum c, txn.WriteMetadata(ObjectType::kCommit, SerializeCommit(commit)));
  txn.SetRef(options.branch, c);
  return c;
}

Result<CommitResult> CommitTree(ObjectStore& store, const CommitOptions& options) {
  if (!IsValidRefName(options.branch)) return InvalidArgument("invalid branch name '" + options.branch + "'");
  if (options.tree_dir.empty() == options.tree_tar.empty())
    return InvalidArgument("give exactly one of --tree=dir=PATH and --tree=tar=FILE");
  for (const std::string* s : {&options.subject, &options.body})
    if (!IsValidUtf8(*s) || s->find('\0') != std::string::npos) return InvalidArgument("subject and body must be UTF-8 text");
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> parent, store.ReadRef(options.branch));
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, Transaction::Begin(store));
  CommitResult result;
  MutableTree root;
  if (!options.tree_dir.empty())
    OCITREE_RETURN_IF_ERROR(BuildTreeFromDirectory(*txn, options.tree_dir, &root, &result));
  else
    OCITREE_RETURN_IF_ERROR(BuildTreeFromTar(*txn, options.tree_tar, &root, &result));
  OCITREE_ASSIGN_OR_RETURN(MutableTree::Written written, root.Write(*txn));
  OCITREE_ASSIGN_OR_RETURN(Checksum commit, WriteCommitObject(*txn, options, written, parent));
  OCITREE_RETURN_IF_ERROR(txn->Commit());
  result.checksum = commit.Hex();
  return result;
}

}  // namespace ocitree
