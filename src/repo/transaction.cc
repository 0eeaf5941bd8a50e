#include "repo/transaction.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "base/fs_util.h"
#include "compress/deflate.h"

namespace ocitree {

namespace {

constexpr size_t kCopyBuffer = 256 * 1024;
// Regular files up to this size are hashed in memory before anything is
// written (WriteSmallContent).
constexpr size_t kSmallFile = 256 * 1024;

// "<hex>.<ext>": the staged name of an object, flat inside the staging dir.
std::string StagedName(const Checksum& c, ObjectType type, RepoMode mode) {
  std::string loose = LooseObjectPath(c, type, mode);  // objects/XX/rest.ext
  return c.Hex() + loose.substr(loose.rfind('.'));
}

// The process umask, read once (from /proc: umask(2) cannot read it without
// changing it for every thread); 0777 when unknown, so that every mode is set
// explicitly.
mode_t ProcessUmask() {
  static const mode_t mask = [] {
    auto text = ReadFileAt(AT_FDCWD, "/proc/self/status");
    if (!text.ok()) return mode_t{0777};
    size_t at = text->find("\nUmask:");
    if (at == std::string::npos) return mode_t{0777};
    return static_cast<mode_t>(std::strtoul(text->c_str() + at + 7, nullptr, 8) & 0777);
  }();
  return mask;
}

// What writing content objects one after another reuses, per thread.
struct WriteScratch {
  DeflateScratch deflate;
  std::vector<uint8_t> small;  // a whole small file's payload
};
WriteScratch& ThreadScratch() {
  thread_local WriteScratch scratch;
  return scratch;
}

// The bare-user `user.ostreemeta` xattr has the dirmeta layout (uuua(ayay)),
// holding the file's own mode.
Bytes BareUserMeta(const FileMeta& meta) { return SerializeDirMeta(DirMeta{meta.uid, meta.gid, meta.mode, meta.xattrs}); }

}  // namespace

Result<std::unique_ptr<Transaction>> Transaction::Begin(ObjectStore& store) {
  OCITREE_ASSIGN_OR_RETURN(RepoLock lock, RepoLock::Acquire(store.dirfd(), RepoLock::Kind::kShared));
  std::unique_ptr<Transaction> txn(new Transaction(store, std::move(lock)));
  OCITREE_RETURN_IF_ERROR(txn->free_space_.Start());
  OCITREE_RETURN_IF_ERROR(txn->OpenStagingDir());
  return txn;
}

Status Transaction::OpenStagingDir() {
  UniqueFd tmp(openat(store_.dirfd(), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!tmp.valid()) {
    if (errno == ENOENT && mkdirat(store_.dirfd(), "tmp", 0775) == 0)
      tmp.Reset(openat(store_.dirfd(), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!tmp.valid()) return Status::FromErrno("open " + store_.path() + "/tmp", errno);
  }
  StagingDir::RemoveStale(tmp.get());
  OCITREE_ASSIGN_OR_RETURN(staging_, StagingDir::Create(tmp.get()));
  return {};
}

Transaction::~Transaction() = default;  // staging_ removes the directory

Result<bool> Transaction::AlreadyHave(const std::string& staged_name, const Checksum& c, ObjectType type) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (staged_.count(staged_name)) return true;
  }
  return store_.HasObject(c, type);
}

Status Transaction::StageFinal(const std::string& tmp_name, const std::string& staged_name) {
  std::lock_guard<std::mutex> guard(mu_);
  if (staged_.count(staged_name)) {
    unlinkat(staging_.fd(), tmp_name.c_str(), 0);  // another thread staged it first
    return {};
  }
  if (renameat(staging_.fd(), tmp_name.c_str(), staging_.fd(), staged_name.c_str()) != 0)
    return Status::FromErrno("stage object " + staged_name, errno);
  staged_.insert(staged_name);
  return {};
}

Result<Checksum> Transaction::WriteMetadata(ObjectType type, ByteView bytes) {
  // libostree (and ObjectStore) refuse to read bigger ones: never write one.
  if (bytes.size() > kMaxMetadataSize)
    return Unsupported(std::string(ObjectTypeName(type)) + " object of " + std::to_string(bytes.size()) +
                       " bytes exceeds the metadata object limit of " + std::to_string(kMaxMetadataSize) +
                       " bytes (libostree's OSTREE_MAX_METADATA_SIZE)");
  Checksum c = Sha256::Of(bytes);
  std::string staged = StagedName(c, type, store_.mode());
  OCITREE_ASSIGN_OR_RETURN(bool have, AlreadyHave(staged, c, type));
  if (type == ObjectType::kCommit) {
    std::lock_guard<std::mutex> guard(mu_);
    commits_.push_back(c);
  }
  if (have) return c;
  std::string tmp = "tmp-" + std::to_string(counter_++);
  UniqueFd fd(openat(staging_.fd(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno("create staged object", errno);
  OCITREE_RETURN_IF_ERROR(WriteAll(fd.get(), bytes, staged));
  if (fchmod(fd.get(), 0644) != 0) return Status::FromErrno("chmod staged object", errno);
  fd.Reset();
  OCITREE_RETURN_IF_ERROR(StageFinal(tmp, staged));
  return c;
}

Status Transaction::WriteDetachedMetadata(const Checksum& commit, ByteView bytes) {
  std::string staged = StagedName(commit, ObjectType::kCommitMeta, store_.mode());
  OCITREE_ASSIGN_OR_RETURN(bool have, AlreadyHave(staged, commit, ObjectType::kCommitMeta));
  if (have) return {};
  std::string tmp = "tmp-" + std::to_string(counter_++);
  UniqueFd fd(openat(staging_.fd(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno("create staged detached metadata", errno);
  OCITREE_RETURN_IF_ERROR(WriteAll(fd.get(), bytes, staged));
  if (fchmod(fd.get(), 0644) != 0) return Status::FromErrno("chmod staged detached metadata", errno);
  fd.Reset();
  return StageFinal(tmp, staged);
}

Status Transaction::WriteSymlinkObject(const FileMeta& meta, const std::string& tmp) {
  int sfd = staging_.fd();
  if (symlinkat(meta.symlink_target.c_str(), sfd, tmp.c_str()) != 0)
    return Status::FromErrno("create symlink object", errno);
  if (store_.mode() != RepoMode::kBare) return {};
  if (fchownat(sfd, tmp.c_str(), meta.uid, meta.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return Status::FromErrno("chown symlink object", errno);
  if (!meta.xattrs.empty()) {
    std::string path = "/proc/self/fd/" + std::to_string(sfd) + "/" + tmp;
    OCITREE_RETURN_IF_ERROR(WriteXattrsPath(path, meta.xattrs));
  }
  struct timespec times[2] = {{0, 0}, {0, 0}};
  utimensat(sfd, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW);
  return {};
}

// The permission bits a content object's file gets in this repo mode.
static uint32_t ObjectPerms(const FileMeta& meta, RepoMode mode) {
  switch (mode) {
    case RepoMode::kBare:
    case RepoMode::kBareUserOnly: return meta.mode & 07777;
    case RepoMode::kBareUser: return meta.is_symlink() ? 0644 : ((meta.mode & 0775) | S_IRUSR);
    case RepoMode::kArchive: return 0644;
  }
  return 0644;
}

// Creating a file with its final permissions saves an fchmod when the umask
// leaves them alone and they hold no setuid/setgid/sticky bit (those are set
// last, after the data and the owner: a half-written setuid file must never
// exist).
static bool CreateWithFinalPerms(uint32_t perms) { return (perms & 07000) == 0 && (perms & ProcessUmask()) == 0; }

Status Transaction::FinishContentFile(int fd, const FileMeta& meta, bool perms_set) {
  const RepoMode mode = store_.mode();
  const uint32_t perms = ObjectPerms(meta, mode);
  // Owner and mode last: a half-written setuid file must never exist.
  switch (mode) {
    case RepoMode::kBare:
      if (fchown(fd, meta.uid, meta.gid) != 0) return Status::FromErrno("chown content object", errno);
      if (fchmod(fd, perms) != 0) return Status::FromErrno("chmod content object", errno);
      OCITREE_RETURN_IF_ERROR(WriteXattrsFd(fd, meta.xattrs));
      break;
    case RepoMode::kBareUser: {
      Bytes ostreemeta = BareUserMeta(meta);
      if (fsetxattr(fd, "user.ostreemeta", ostreemeta.data(), ostreemeta.size(), 0) != 0)
        return Status::FromErrno("set user.ostreemeta (bare-user needs user xattrs)", errno);
      if (fchmod(fd, perms) != 0) return Status::FromErrno("chmod content object", errno);
      break;
    }
    case RepoMode::kBareUserOnly:
      if (!perms_set && fchmod(fd, perms) != 0) return Status::FromErrno("chmod content object", errno);
      break;
    case RepoMode::kArchive:
      if (!perms_set && fchmod(fd, perms) != 0) return Status::FromErrno("chmod content object", errno);
      return {};
  }
  struct timespec times[2] = {{0, 0}, {0, 0}};
  if (futimens(fd, times) != 0) return Status::FromErrno("set mtime of content object", errno);
  return {};
}

Status Transaction::WriteContentFile(const FileMeta& meta, ByteReader& payload, uint64_t size,
                                     const std::string& tmp, Checksum* checksum) {
  const RepoMode mode = store_.mode();
  UniqueFd fd(openat(staging_.fd(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return Status::FromErrno("create staged content object", errno);

  ContentHasher hasher;
  hasher.Begin(meta);
  std::unique_ptr<DeflateWriter> deflate;
  if (mode == RepoMode::kArchive) {
    Bytes header = LengthPrefixed(SerializeArchiveHeader(meta, meta.is_symlink() ? 0 : size));
    if (meta.is_regular())
      deflate = std::make_unique<DeflateWriter>(fd.get(), 1, &ThreadScratch().deflate, header);
    else
      OCITREE_RETURN_IF_ERROR(WriteAll(fd.get(), header, "content object"));
  }
  if (meta.is_regular()) {
    std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(size, kCopyBuffer)) + 1);
    uint64_t done = 0;
    for (;;) {
      OCITREE_ASSIGN_OR_RETURN(size_t n, payload.Read(buf));
      if (n == 0) break;
      if (done + n > size) return Corrupt("file content is longer than its recorded size " + std::to_string(size));
      ByteView chunk(buf.data(), n);
      hasher.Update(chunk);
      OCITREE_RETURN_IF_ERROR(deflate ? deflate->Write(chunk) : WriteAll(fd.get(), chunk, "content object"));
      done += n;
    }
    if (done != size)
      return Corrupt("file content is truncated: " + std::to_string(done) + " of " + std::to_string(size) + " bytes");
    if (deflate) OCITREE_RETURN_IF_ERROR(deflate->Finish());
  } else if (mode == RepoMode::kBareUser) {
    // bare-user keeps symlinks as regular files holding the target and a NUL.
    std::string target = meta.symlink_target;
    target.push_back('\0');
    OCITREE_RETURN_IF_ERROR(WriteAll(fd.get(), AsBytes(target), "symlink object"));
  }
  *checksum = hasher.Finish();
  return FinishContentFile(fd.get(), meta, false);
}

// A small regular file is read whole into memory and hashed first: a
// duplicate then costs no file at all, and a new object is created under
// its staged name directly (the name is reserved in staged_ first, so two
// threads never write one object), in one write(2) with its header.
Result<Transaction::ContentWrite> Transaction::WriteSmallContent(const FileMeta& meta, ByteReader& payload,
                                                                 uint64_t size) {
  const RepoMode mode = store_.mode();
  std::vector<uint8_t>& buf = ThreadScratch().small;
  if (buf.size() < kSmallFile + 1) buf.resize(kSmallFile + 1);
  uint64_t done = 0;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, payload.Read(std::span<uint8_t>(buf.data() + done, size + 1 - done)));
    if (n == 0) break;
    done += n;
    if (done > size) return Corrupt("file content is longer than its recorded size " + std::to_string(size));
  }
  if (done != size)
    return Corrupt("file content is truncated: " + std::to_string(done) + " of " + std::to_string(size) + " bytes");
  ByteView data(buf.data(), size);
  ContentHasher hasher;
  hasher.Begin(meta);
  hasher.Update(data);
  ContentWrite out;
  out.checksum = hasher.Finish();
  std::string staged = StagedName(out.checksum, ObjectType::kFile, mode);
  OCITREE_ASSIGN_OR_RETURN(bool have, AlreadyHave(staged, out.checksum, ObjectType::kFile));
  if (!have) {
    std::lock_guard<std::mutex> guard(mu_);
    have = !staged_.insert(staged).second;  // reserved: ours to write
  }
  if (have) {
    out.existed = true;
    return out;
  }
  const bool perms_set = CreateWithFinalPerms(ObjectPerms(meta, mode));
  UniqueFd fd(openat(staging_.fd(), staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                     perms_set ? ObjectPerms(meta, mode) : 0600));
  Status st;
  if (!fd.valid()) {
    st = Status::FromErrno("create staged content object", errno);
  } else {
    if (mode == RepoMode::kArchive) {
      Bytes header = LengthPrefixed(SerializeArchiveHeader(meta, size));
      DeflateWriter deflate(fd.get(), 1, &ThreadScratch().deflate, header);
      st = deflate.Write(data);
      if (st.ok()) st = deflate.Finish();
    } else {
      st = WriteAll(fd.get(), data, "content object");
    }
    if (st.ok()) st = FinishContentFile(fd.get(), meta, perms_set);
  }
  if (!st.ok()) {
    if (fd.valid()) unlinkat(staging_.fd(), staged.c_str(), 0);
    std::lock_guard<std::mutex> guard(mu_);
    staged_.erase(staged);
    return st;
  }
  return out;
}

Result<Transaction::ContentWrite> Transaction::WriteContent(const FileMeta& meta, ByteReader& payload,
                                                            uint64_t size) {
  OCITREE_RETURN_IF_ERROR(ValidateFileMeta(meta));
  const RepoMode mode = store_.mode();
  if (mode == RepoMode::kBareUserOnly) {
    if (meta.uid != 0 || meta.gid != 0 || !meta.xattrs.empty())
      return InvalidArgument("bare-user-only repositories keep no owners or xattrs");
    if (meta.is_regular() && (meta.mode & ~(S_IFMT | 0775)) != 0)
      return InvalidArgument("bare-user-only repositories refuse file modes outside 0775");
  }
  // Charged before writing, credited back when the object existed already:
  // libostree's order, so that both refuse the same writes.
  OCITREE_ASSIGN_OR_RETURN(FreeSpaceReserve::Ticket ticket, free_space_.Charge(meta.is_regular() ? size : 0));
  Result<ContentWrite> out = WriteContentObject(meta, payload, size);
  if (out.ok() && out->existed) free_space_.Credit(ticket);
  return out;
}

Result<Transaction::ContentWrite> Transaction::WriteContentObject(const FileMeta& meta, ByteReader& payload,
                                                                  uint64_t size) {
  const RepoMode mode = store_.mode();
  if (meta.is_regular() && size <= kSmallFile) return WriteSmallContent(meta, payload, size);
  std::string tmp = "tmp-" + std::to_string(counter_++);
  ContentWrite out;
  bool physical_symlink = meta.is_symlink() && (mode == RepoMode::kBare || mode == RepoMode::kBareUserOnly);
  Status st;
  if (physical_symlink) {
    ContentHasher hasher;
    hasher.Begin(meta);
    out.checksum = hasher.Finish();
    st = WriteSymlinkObject(meta, tmp);
  } else {
    st = WriteContentFile(meta, payload, size, tmp, &out.checksum);
  }
  if (!st.ok()) {
    unlinkat(staging_.fd(), tmp.c_str(), 0);
    return st;
  }
  std::string staged = StagedName(out.checksum, ObjectType::kFile, mode);
  auto have = AlreadyHave(staged, out.checksum, ObjectType::kFile);
  if (!have.ok() || *have) {
    unlinkat(staging_.fd(), tmp.c_str(), 0);
    if (!have.ok()) return have.status();
    out.existed = true;
    return out;
  }
  OCITREE_RETURN_IF_ERROR(StageFinal(tmp, staged));
  return out;
}

Result<std::optional<Bytes>> Transaction::ReadStaged(ObjectType type, const Checksum& checksum) const {
  std::string name = StagedName(checksum, type, store_.mode());
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (!staged_.count(name)) return std::optional<Bytes>();
  }
  OCITREE_ASSIGN_OR_RETURN(std::string text, ReadFileAt(staging_.fd(), name));
  return std::optional<Bytes>(Bytes(text.begin(), text.end()));
}

Result<DirTree> Transaction::ReadDirTree(const Checksum& checksum) const {
  OCITREE_ASSIGN_OR_RETURN(std::optional<Bytes> staged, ReadStaged(ObjectType::kDirTree, checksum));
  if (!staged) return store_.ReadDirTree(checksum);
  return ParseDirTree(*staged);
}

Result<DirMeta> Transaction::ReadDirMeta(const Checksum& checksum) const {
  OCITREE_ASSIGN_OR_RETURN(std::optional<Bytes> staged, ReadStaged(ObjectType::kDirMeta, checksum));
  if (!staged) return store_.ReadDirMeta(checksum);
  return ParseDirMeta(*staged);
}

void Transaction::SetRef(std::string ref, const Checksum& commit) {
  std::lock_guard<std::mutex> guard(mu_);
  refs_.emplace_back(std::move(ref), commit);
}

Status Transaction::PublishObjects() {
  int repo = store_.dirfd();
  std::set<std::string> made_dirs;
  return staged_.ForEach([&](const std::string& staged) -> Status {
    std::string subdir = "objects/" + staged.substr(0, 2);
    if (made_dirs.insert(subdir).second && mkdirat(repo, subdir.c_str(), 0775) != 0 && errno != EEXIST)
      return Status::FromErrno("create " + subdir, errno);
    std::string dest = subdir + "/" + staged.substr(2);
    if (renameat2(staging_.fd(), staged.c_str(), repo, dest.c_str(), RENAME_NOREPLACE) != 0) {
      if (errno != EEXIST) return Status::FromErrno("move object into " + dest, errno);
      unlinkat(staging_.fd(), staged.c_str(), 0);  // someone else stored it meanwhile
    }
    return {};
  });
}

Status Transaction::Commit() {
  std::lock_guard<std::mutex> guard(mu_);
  if (committed_) return Internal("transaction committed twice");
  const bool sync = store_.fsync_enabled();
  int repo = store_.dirfd();
  // Commits stay marked partial until everything they need is durable.
  for (const Checksum& c : commits_) {
    std::string marker = "state/" + c.Hex() + ".commitpartial";
    UniqueFd fd(openat(repo, marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) return Status::FromErrno("create " + marker, errno);
  }
  if (sync && syncfs(staging_.fd()) != 0) return Status::FromErrno("sync repository", errno);
  OCITREE_RETURN_IF_ERROR(PublishObjects());
  if (sync && syncfs(repo) != 0) return Status::FromErrno("sync repository", errno);
  for (const Checksum& c : commits_) unlinkat(repo, ("state/" + c.Hex() + ".commitpartial").c_str(), 0);
  for (const auto& [ref, commit] : refs_) OCITREE_RETURN_IF_ERROR(store_.WriteRef(ref, commit));
  committed_ = true;
  return {};
}

}  // namespace ocitree
