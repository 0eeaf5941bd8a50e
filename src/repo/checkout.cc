#include "repo/checkout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/fs_util.h"
#include "repo/tree_path.h"
#include "base/whiteout.h"

namespace ocitree {

namespace {

class Checkout {
 public:
  Checkout(const ObjectStore& store, const CheckoutOptions& options)
      : store_(store), options_(options), user_mode_(options.user_mode || store.mode() == RepoMode::kBareUserOnly) {}

  Status Dir(int parent_fd, const std::string& name, const Checksum& tree_c, const Checksum& meta_c,
             const std::string& path);
  // `fresh`: dirfd was created by this checkout and nothing else writes
  // there, so entries go straight to their names (no temporary + rename).
  Status File(int dirfd, const std::string& name, const Checksum& content, const std::string& path, bool fresh);
  // --subpath naming a file: like ostree, DEST is a directory holding it.
  Status SingleFile(int parent_fd, const std::string& name, const Checksum& content, const std::string& path,
                    const std::string& file_name);
  CheckoutStats stats;

 private:
  bool MustCopy(const ContentObject& obj) const;
  bool ModeAllowsHardlinks() const;
  enum class LinkPlan { kLink, kCopy, kUnknown };
  LinkPlan PlanFromStat(const Checksum& content, const std::string& object, Status* error) const;
  int Link(int dirfd, const std::string& object, const std::string& name, const std::string& path, bool fresh,
           Status* placed);
  Status Place(int dirfd, const std::string& tmp, const std::string& name, const std::string& path);
  Status Copy(int dirfd, const std::string& name, ContentObject& obj, const std::string& path, bool fresh);
  Result<const DirMeta*> ReadDirMeta(const Checksum& checksum);
  Result<UniqueFd> OpenOrCreateDir(int parent_fd, const std::string& name, const std::string& path, bool* created);

  const ObjectStore& store_;
  const CheckoutOptions& options_;
  bool user_mode_;
  // A tree has few distinct dirmetas: read each once.
  std::unordered_map<Checksum, DirMeta, ChecksumHash> dirmetas_;
  std::vector<uint8_t> copy_buffer_;
};

Result<const DirMeta*> Checkout::ReadDirMeta(const Checksum& checksum) {
  auto it = dirmetas_.find(checksum);
  if (it == dirmetas_.end()) {
    OCITREE_ASSIGN_OR_RETURN(DirMeta meta, store_.ReadDirMeta(checksum));
    it = dirmetas_.emplace(checksum, std::move(meta)).first;
  }
  return &it->second;
}

// In bare and bare-user-only repos an object is a real file or symlink, so
// one lstat says all a hardlink checkout needs (MustCopy's questions) and the
// object need not be opened. kUnknown: let OpenContent look (and report).
Checkout::LinkPlan Checkout::PlanFromStat(const Checksum& content, const std::string& object, Status* error) const {
  if (store_.mode() != RepoMode::kBare && store_.mode() != RepoMode::kBareUserOnly) return LinkPlan::kUnknown;
  struct stat st;
  if (fstatat(store_.dirfd(), object.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *error = errno == ENOENT ? NotFound("no content object " + content.Hex()) : Status::FromErrno("stat " + object, errno);
    return LinkPlan::kUnknown;
  }
  if (S_ISLNK(st.st_mode)) return LinkPlan::kLink;
  if (!S_ISREG(st.st_mode)) return LinkPlan::kUnknown;
  if (st.st_size == 0 || (user_mode_ && !(st.st_mode & S_IRUSR))) return LinkPlan::kCopy;
  return LinkPlan::kLink;
}

// Hardlinks `object` as `name`: directly when the name is free (always so in
// a fresh directory), else, in union mode, through a temporary name renamed
// over it. Returns 0 or the errno of the failed link; *placed is the result
// once a link exists.
int Checkout::Link(int dirfd, const std::string& object, const std::string& name, const std::string& path,
                   bool fresh, Status* placed) {
  if (linkat(store_.dirfd(), object.c_str(), dirfd, name.c_str(), 0) == 0) {
    stats.files_linked++;
    return 0;
  }
  if (errno != EEXIST || fresh || !options_.union_files) return errno;
  std::string tmp = ".ocitree-tmp-" + RandomSuffix();
  if (linkat(store_.dirfd(), object.c_str(), dirfd, tmp.c_str(), 0) != 0) return errno;
  stats.files_linked++;
  *placed = Place(dirfd, tmp, name, path);
  return 0;
}

// Files ostree always copies, even with -H: empty files (one shared inode
// would hit EMLINK), bare-user symlinks (stored as regular files), and in
// user mode files we could not read back.
bool Checkout::MustCopy(const ContentObject& obj) const {
  if (obj.meta.is_regular() && obj.size == 0) return true;
  if (store_.mode() == RepoMode::kBareUser && obj.meta.is_symlink()) return true;
  return user_mode_ && obj.meta.is_regular() && !(obj.meta.mode & S_IRUSR);
}

bool Checkout::ModeAllowsHardlinks() const {
  switch (store_.mode()) {
    case RepoMode::kBare: return !user_mode_;
    case RepoMode::kBareUser:
    case RepoMode::kBareUserOnly: return user_mode_;
    case RepoMode::kArchive: return false;
  }
  return false;
}

// Moves the temporary entry `tmp` to `name`: over an existing non-directory
// in union mode, never over anything otherwise.
Status Checkout::Place(int dirfd, const std::string& tmp, const std::string& name, const std::string& path) {
  unsigned flags = options_.union_files ? 0 : RENAME_NOREPLACE;
  if (renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), flags) == 0) {
    // Renaming a hardlink over another link to the same inode succeeds
    // and does nothing (rename(2)): the temporary name is still there.
    if (options_.union_files) unlinkat(dirfd, tmp.c_str(), 0);
    return {};
  }
  int err = errno;
  if (options_.union_files && (err == EISDIR || err == ENOTEMPTY || err == EEXIST)) {
    // A directory is in the way: union semantics replace it.
    Status s = RemoveTreeAt(dirfd, name);
    if (s.ok() && renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) == 0) return {};
    err = errno;
  }
  unlinkat(dirfd, tmp.c_str(), 0);
  return Status::FromErrno("check out " + path, err);
}

Status Checkout::Copy(int dirfd, const std::string& name, ContentObject& obj, const std::string& path, bool fresh) {
  // In a fresh directory the entry is made under its own name: the name is
  // free, and an error removes it again.
  const std::string tmp = fresh ? name : ".ocitree-tmp-" + RandomSuffix();
  auto place = [&] { return fresh ? Status() : Place(dirfd, tmp, name, path); };
  const FileMeta& meta = obj.meta;
  if (meta.is_symlink()) {
    if (symlinkat(meta.symlink_target.c_str(), dirfd, tmp.c_str()) != 0)
      return Status::FromErrno("create symlink " + path, errno);
    if (!user_mode_) {
      if (fchownat(dirfd, tmp.c_str(), meta.uid, meta.gid, AT_SYMLINK_NOFOLLOW) != 0) {
        unlinkat(dirfd, tmp.c_str(), 0);
        return Status::FromErrno("chown " + path, errno);
      }
      Status s = WriteXattrsPath("/proc/self/fd/" + std::to_string(dirfd) + "/" + tmp, meta.xattrs);
      if (!s.ok()) {
        unlinkat(dirfd, tmp.c_str(), 0);
        return s.WithContext(path);
      }
    }
    return place();
  }
  UniqueFd fd(openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return Status::FromErrno("create " + path, errno);
  auto fail = [&](Status s) {
    unlinkat(dirfd, tmp.c_str(), 0);
    return s.WithContext(path);
  };
  std::vector<uint8_t>& buf = copy_buffer_;
  if (buf.empty()) buf.resize(256 * 1024);
  uint64_t done = 0;
  for (;;) {
    auto n = obj.payload->Read(buf);
    if (!n.ok()) return fail(n.status());
    if (*n == 0) break;
    Status s = WriteAll(fd.get(), ByteView(buf.data(), *n), path);
    if (!s.ok()) return fail(s);
    done += *n;
  }
  if (done != obj.size) return fail(Corrupt("content object is truncated"));
  uint32_t perms = meta.mode & 07777;
  if (user_mode_) {
    perms &= ~static_cast<uint32_t>(S_ISUID | S_ISGID);
  } else {
    if (fchown(fd.get(), meta.uid, meta.gid) != 0) return fail(Status::FromErrno("chown", errno));
    Status s = WriteXattrsFd(fd.get(), meta.xattrs);
    if (!s.ok()) return fail(s);
  }
  if (fchmod(fd.get(), perms) != 0) return fail(Status::FromErrno("chmod", errno));
  struct timespec times[2] = {{0, 0}, {0, 0}};
  futimens(fd.get(), times);
  stats.files_copied++;
  return place();
}

Status Checkout::File(int dirfd, const std::string& name, const Checksum& content, const std::string& path,
                      bool fresh) {
  std::string object = LooseObjectPath(content, ObjectType::kFile, store_.mode());
  std::optional<ContentObject> obj;
  bool link = false;
  if (ModeAllowsHardlinks()) {
    Status error;
    LinkPlan plan = PlanFromStat(content, object, &error);
    if (!error.ok()) return error;
    link = plan == LinkPlan::kLink;
    if (plan == LinkPlan::kUnknown) {
      OCITREE_ASSIGN_OR_RETURN(obj, store_.OpenContent(content));
      link = !MustCopy(*obj);
    }
  }
  if (link) {
    Status placed;
    int err = Link(dirfd, object, name, path, fresh, &placed);
    if (err == 0) return placed;
    // A full link count, another filesystem, or a refusal: copy, as ostree does.
    if (options_.require_hardlinks || (err != EMLINK && err != EXDEV && err != EPERM))
      return Status::FromErrno("hardlink " + path, err);
  }
  if (!obj) {
    OCITREE_ASSIGN_OR_RETURN(obj, store_.OpenContent(content));
  }
  if (!link && options_.require_hardlinks && !MustCopy(*obj)) {
    return Unsupported("cannot hardlink " + path + " from a " +
                       (store_.mode() == RepoMode::kArchive ? "archive repository" : "repository of this mode") +
                       (user_mode_ ? " in user mode" : " without -U") + " (-H/--require-hardlinks)");
  }
  return Copy(dirfd, name, *obj, path, fresh);
}

Status Checkout::SingleFile(int parent_fd, const std::string& name, const Checksum& content,
                            const std::string& path, const std::string& file_name) {
  bool created = false;
  OCITREE_ASSIGN_OR_RETURN(UniqueFd fd, OpenOrCreateDir(parent_fd, name, path, &created));
  if (created && fchmod(fd.get(), 0755) != 0) return Status::FromErrno("chmod " + path, errno);
  return File(fd.get(), file_name, content, path + "/" + file_name, created && !options_.union_files);
}

Result<UniqueFd> Checkout::OpenOrCreateDir(int parent_fd, const std::string& name, const std::string& path,
                                           bool* created) {
  *created = mkdirat(parent_fd, name.c_str(), 0700) == 0;
  if (!*created && errno != EEXIST) return Status::FromErrno("create directory " + path, errno);
  if (!*created && !options_.union_files)
    return Status::Error(ErrorCode::kAlreadyExists, path + " already exists (use --union to merge)");
  UniqueFd fd(openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() && !*created && (errno == ENOTDIR || errno == ELOOP)) {
    // A file or symlink where the tree has a directory: replace it, never follow it.
    OCITREE_RETURN_IF_ERROR(RemoveTreeAt(parent_fd, name));
    if (mkdirat(parent_fd, name.c_str(), 0700) != 0) return Status::FromErrno("create directory " + path, errno);
    *created = true;
    fd.Reset(openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!fd.valid()) return Status::FromErrno("open directory " + path, errno);
  return fd;
}

Status Checkout::Dir(int parent_fd, const std::string& name, const Checksum& tree_c, const Checksum& meta_c,
                     const std::string& path) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, store_.ReadDirTree(tree_c));
  OCITREE_ASSIGN_OR_RETURN(const DirMeta* meta_p, ReadDirMeta(meta_c));
  const DirMeta& meta = *meta_p;
  bool created = false;
  OCITREE_ASSIGN_OR_RETURN(UniqueFd fd, OpenOrCreateDir(parent_fd, name, path, &created));
  stats.directories++;
  if (options_.process_whiteouts && !created && tree.FindFile(kOpaqueMarker)) {
    OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> existing, ListDirectory(fd.get()));
    for (const std::string& e : existing) OCITREE_RETURN_IF_ERROR(RemoveTreeAt(fd.get(), e));
    // An opaque directory is the layer's own, as if new (ostree does the same).
    created = true;
  }
  if (created && !user_mode_) OCITREE_RETURN_IF_ERROR(WriteXattrsFd(fd.get(), meta.xattrs).WithContext(path));
  const bool fresh = created && !options_.union_files;
  for (const DirTree::File& f : tree.files) {
    std::string child_path = path + "/" + f.name;
    if (options_.process_whiteouts && f.name.rfind(kWhiteoutPrefix, 0) == 0) {
      std::string target = f.name.substr(kWhiteoutPrefix.size());
      if (target == ".wh..opq") continue;  // the opaque marker, handled above
      if (!IsValidFileName(target)) return Corrupt("whiteout names an invalid file: " + child_path);
      OCITREE_RETURN_IF_ERROR(RemoveTreeAt(fd.get(), target));
      continue;
    }
    OCITREE_RETURN_IF_ERROR(File(fd.get(), f.name, f.content, child_path, fresh));
  }
  for (const DirTree::Dir& d : tree.dirs)
    OCITREE_RETURN_IF_ERROR(Dir(fd.get(), d.name, d.tree, d.meta, path + "/" + d.name));
  if (!created) return {};  // an existing directory keeps its metadata
  uint32_t perms = meta.mode & 07777;
  if (store_.mode() == RepoMode::kBareUserOnly) perms &= 0775;
  if (!user_mode_ && fchown(fd.get(), meta.uid, meta.gid) != 0) return Status::FromErrno("chown " + path, errno);
  if (fchmod(fd.get(), perms) != 0) return Status::FromErrno("chmod " + path, errno);
  struct timespec times[2] = {{0, 0}, {0, 0}};
  futimens(fd.get(), times);
  return {};
}

std::pair<std::string, std::string> SplitDestination(const std::string& destination) {
  std::string d = destination;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  size_t slash = d.rfind('/');
  if (slash == std::string::npos) return {".", d};
  return {slash == 0 ? "/" : d.substr(0, slash), d.substr(slash + 1)};
}

}  // namespace

Result<CheckoutStats> CheckoutCommit(const ObjectStore& store, const Checksum& commit_c,
                                     const std::string& destination, const CheckoutOptions& options) {
  if (destination.empty()) return InvalidArgument("no checkout destination");
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(commit_c));
  OCITREE_ASSIGN_OR_RETURN(TreeNode node, ResolveTreePath(store, commit, options.subpath));
  auto [parent, name] = SplitDestination(destination);
  if (name.empty() || name == "." || name == "..")
    return InvalidArgument("checkout destination must name a directory entry: " + destination);
  UniqueFd parent_fd(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd.valid()) return Status::FromErrno("open " + parent, errno);
  Checkout checkout(store, options);
  if (node.is_dir)
    OCITREE_RETURN_IF_ERROR(checkout.Dir(parent_fd.get(), name, node.tree, node.meta, destination));
  else
    OCITREE_RETURN_IF_ERROR(checkout.SingleFile(parent_fd.get(), name, node.content, destination,
                                                SplitDestination(options.subpath).second));
  return checkout.stats;
}

}  // namespace ocitree
