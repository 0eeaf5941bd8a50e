#include "repo/checkout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/fs_util.h"
#include "repo/tree_path.h"
#include "base/whiteout.h"

namespace ocitree {

namespace {

// A directory to check out. Its descriptor stays open while any of its
// subdirectories is still being checked out; when the last one is done its
// own owner, mode and times are set, after every entry, so they are final.
struct DirTask {
  std::shared_ptr<DirTask> parent;  // null for the top directory
  int parent_fd = -1;               // the top directory's parent
  std::string name;
  std::string path;
  Checksum tree;
  Checksum meta;
  UniqueFd fd;
  bool created = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t mode = 0;
  std::atomic<size_t> pending{1};  // itself, plus subdirectories not yet done
};

// One worker's share of a checkout: its own counts, dirmeta cache and copy
// buffer, so workers share nothing but the store (read only) and the tree
// walk's queue.
class Checkout {
 public:
  Checkout(const ObjectStore& store, const CheckoutOptions& options)
      : store_(store), options_(options), user_mode_(options.user_mode || store.mode() == RepoMode::kBareUserOnly) {}

  // Opens (or creates) the task's directory and checks out its files;
  // returns its subdirectories, to be checked out after that.
  Result<std::vector<DirTree::Dir>> Enter(DirTask& task);
  // Sets the metadata of a directory this checkout created, and closes it.
  Status Finish(DirTask& task) const;
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

Result<std::vector<DirTree::Dir>> Checkout::Enter(DirTask& task) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, store_.ReadDirTree(task.tree));
  OCITREE_ASSIGN_OR_RETURN(const DirMeta* meta_p, ReadDirMeta(task.meta));
  const DirMeta& meta = *meta_p;
  const std::string& path = task.path;
  const int parent_fd = task.parent ? task.parent->fd.get() : task.parent_fd;
  bool created = false;
  OCITREE_ASSIGN_OR_RETURN(task.fd, OpenOrCreateDir(parent_fd, task.name, path, &created));
  const int fd = task.fd.get();
  stats.directories++;
  if (options_.process_whiteouts && !created && tree.FindFile(kOpaqueMarker)) {
    OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> existing, ListDirectory(fd));
    for (const std::string& e : existing) OCITREE_RETURN_IF_ERROR(RemoveTreeAt(fd, e));
    // An opaque directory is the layer's own, as if new (ostree does the same).
    created = true;
  }
  if (created && !user_mode_) OCITREE_RETURN_IF_ERROR(WriteXattrsFd(fd, meta.xattrs).WithContext(path));
  task.created = created;
  task.uid = meta.uid;
  task.gid = meta.gid;
  task.mode = meta.mode;
  const bool fresh = created && !options_.union_files;
  for (const DirTree::File& f : tree.files) {
    std::string child_path = path + "/" + f.name;
    if (options_.process_whiteouts && f.name.rfind(kWhiteoutPrefix, 0) == 0) {
      std::string target = f.name.substr(kWhiteoutPrefix.size());
      if (target == ".wh..opq") continue;  // the opaque marker, handled above
      if (!IsValidFileName(target)) return Corrupt("whiteout names an invalid file: " + child_path);
      OCITREE_RETURN_IF_ERROR(RemoveTreeAt(fd, target));
      continue;
    }
    OCITREE_RETURN_IF_ERROR(File(fd, f.name, f.content, child_path, fresh));
  }
  return std::move(tree.dirs);
}

Status Checkout::Finish(DirTask& task) const {
  UniqueFd fd = std::move(task.fd);
  if (!task.created) return {};  // an existing directory keeps its metadata
  uint32_t perms = task.mode & 07777;
  if (store_.mode() == RepoMode::kBareUserOnly) perms &= 0775;
  if (!user_mode_ && fchown(fd.get(), task.uid, task.gid) != 0) return Status::FromErrno("chown " + task.path, errno);
  if (fchmod(fd.get(), perms) != 0) return Status::FromErrno("chmod " + task.path, errno);
  struct timespec times[2] = {{0, 0}, {0, 0}};
  futimens(fd.get(), times);
  return {};
}

// Checks out a directory tree on up to 4 threads (the calling one included).
// Directories are the unit of work: a directory's files are placed by the
// worker that entered it, and its subdirectories are queued only after that,
// so whiteouts and opaque markers act before anything below them; disjoint
// subtrees go in any order. The queue is last in, first out, which keeps the
// directories held open near the number of workers times the tree's depth.
class TreeWalk {
 public:
  TreeWalk(const ObjectStore& store, const CheckoutOptions& options) : store_(store), options_(options) {}

  Result<CheckoutStats> Run(std::shared_ptr<DirTask> top) {
    stack_.push_back(std::move(top));
    size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::vector<Checkout> workers;
    workers.reserve(threads);
    for (size_t i = 0; i < threads; i++) workers.emplace_back(store_, options_);
    std::vector<std::thread> pool;
    for (size_t i = 1; i < threads; i++) pool.emplace_back([this, &workers, i] { Work(workers[i]); });
    Work(workers[0]);
    for (std::thread& t : pool) t.join();
    stack_.clear();
    if (!error_.ok()) return error_;
    CheckoutStats total;
    for (const Checkout& w : workers) {
      total.files_linked += w.stats.files_linked;
      total.files_copied += w.stats.files_copied;
      total.directories += w.stats.directories;
    }
    return total;
  }

 private:
  void Work(Checkout& worker) {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !stack_.empty() || busy_ == 0; });
      if (stop_ || stack_.empty()) {
        cv_.notify_all();
        return;
      }
      std::shared_ptr<DirTask> task = std::move(stack_.back());
      stack_.pop_back();
      busy_++;
      lock.unlock();
      Status s = Process(worker, task);
      lock.lock();
      busy_--;
      if (!s.ok() && !stop_) {
        error_ = s;
        stop_ = true;
      }
      cv_.notify_all();
    }
  }

  Status Process(Checkout& worker, const std::shared_ptr<DirTask>& task) {
    OCITREE_ASSIGN_OR_RETURN(std::vector<DirTree::Dir> dirs, worker.Enter(*task));
    if (!dirs.empty()) {
      task->pending += dirs.size();
      std::lock_guard guard(mu_);
      // Reversed, so the first subdirectory comes off the stack first.
      for (auto d = dirs.rbegin(); d != dirs.rend(); ++d) {
        auto child = std::make_shared<DirTask>();
        child->parent = task;
        child->name = d->name;
        child->path = task->path + "/" + d->name;
        child->tree = d->tree;
        child->meta = d->meta;
        stack_.push_back(std::move(child));
      }
      cv_.notify_all();
    }
    // Drops this directory's own count; whoever drops a directory's last
    // count finishes it, and then drops its parent's.
    for (DirTask* t = task.get(); t != nullptr && --t->pending == 0; t = t->parent.get())
      OCITREE_RETURN_IF_ERROR(worker.Finish(*t));
    return {};
  }

  const ObjectStore& store_;
  const CheckoutOptions& options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<DirTask>> stack_;
  size_t busy_ = 0;  // workers processing a task (each may queue more)
  bool stop_ = false;
  Status error_;
};

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
  if (node.is_dir) {
    auto top = std::make_shared<DirTask>();
    top->parent_fd = parent_fd.get();
    top->name = name;
    top->path = destination;
    top->tree = node.tree;
    top->meta = node.meta;
    return TreeWalk(store, options).Run(std::move(top));
  }
  Checkout checkout(store, options);
  OCITREE_RETURN_IF_ERROR(checkout.SingleFile(parent_fd.get(), name, node.content, destination,
                                              SplitDestination(options.subpath).second));
  return checkout.stats;
}

}  // namespace ocitree
