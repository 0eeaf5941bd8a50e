#include "repo/transaction.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "base/fs_util.h"
#include "compress/deflate.h"

namespace ocitree {

namespace {

constexpr size_t kCopyBuffer = 256 * 1024;
// Regular files up to this size are hashed in memory before anything is
// written (WriteSmallContent).
constexpr size_t kSmallFile = 256 * 1024;

// "XX/<62 hex>.<ext>": the staged name of an object, below the staging dir
// as below objects/ (libostree's layout). Temporary files ("tmp-N") stay at
// the top of the staging dir, so publishing never sees them.
std::string StagedName(const Checksum& c, ObjectType type, RepoMode mode) {
  return LooseObjectPath(c, type, mode).substr(8);  // objects/XX/rest.ext
}

unsigned BloomTag(ObjectType type) { return static_cast<unsigned>(type); }

// "00".."ff": the staging subdirectory of objects whose checksum starts with byte `xx`.
std::array<char, 3> StagingSubdirName(unsigned xx) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return {kDigits[xx >> 4], kDigits[xx & 15], '\0'};
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

// Workers storing small files. Creating files in different directories
// runs side by side in the kernel, and it is most of a small file's cost:
// on ext4 with 2 cores a test program made 100k small files in 3.1 s on two
// threads, 5.5 s on one, and a 100k-file archive pull went from 9.2 to 6.1 s.
int SmallFileWriters() { return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u)); }
// Payload bytes waiting for a worker, at most (one file above it waits alone).
constexpr size_t kQueuedBytes = size_t{8} << 20;
// What a queued small file holds besides its payload (name, meta, job).
constexpr size_t kQueuedOverhead = 512;

// What writing content objects one after another reuses, per thread.
struct WriteScratch {
  DeflateScratch deflate;
};
WriteScratch& ThreadScratch() {
  thread_local WriteScratch scratch;
  return scratch;
}

// The bare-user `user.ostreemeta` xattr has the dirmeta layout (uuua(ayay)),
// holding the file's own mode.
Bytes BareUserMeta(const FileMeta& meta) { return SerializeDirMeta(DirMeta{meta.uid, meta.gid, meta.mode, meta.xattrs}); }

}  // namespace

Transaction::Transaction(ObjectStore& store, RepoLock lock)
    : store_(store),
      lock_(std::move(lock)),
      free_space_(store.free_space(), store.dirfd(), store.statfs_function()),
      writers_(SmallFileWriters(), kQueuedBytes) {}

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

Result<bool> Transaction::IsStaged(const std::string& staged_name, const Checksum& c, ObjectType type) const {
  if (!staged_.MayContain(c, BloomTag(type))) return false;  // no syscall for most new objects
  struct stat st;
  if (fstatat(staging_.fd(), staged_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;  // a false positive of the filter
  return Status::FromErrno("stat staged object " + staged_name, errno);
}

Result<bool> Transaction::AlreadyHave(const std::string& staged_name, const Checksum& c, ObjectType type) {
  OCITREE_ASSIGN_OR_RETURN(bool staged, IsStaged(staged_name, c, type));
  if (staged) return true;
  return store_.HasObject(c, type);
}

Status Transaction::PrepareStaged(const Checksum& c, ObjectType type) {
  // Into the filter before the name exists: a thread that finds the file
  // (or its EEXIST) and hands the checksum on must never meet a "definitely
  // not staged" for it.
  staged_.Insert(c, BloomTag(type));
  const unsigned xx = c.bytes[0];
  std::atomic<uint64_t>& word = subdirs_[xx >> 6];
  const uint64_t bit = uint64_t{1} << (xx & 63);
  if (word.load(std::memory_order_acquire) & bit) return {};
  const std::array<char, 3> name = StagingSubdirName(xx);
  // Made on first use: a small transaction does not pay for 256 of them.
  if (mkdirat(staging_.fd(), name.data(), 0775) != 0 && errno != EEXIST)
    return Status::FromErrno(std::string("create staging subdirectory ") + name.data(), errno);
  word.fetch_or(bit, std::memory_order_release);
  return {};
}

Result<bool> Transaction::StageFinal(const std::string& tmp_name, const std::string& staged_name, const Checksum& c,
                                     ObjectType type) {
  Status st = PrepareStaged(c, type);
  if (st.ok() && renameat2(staging_.fd(), tmp_name.c_str(), staging_.fd(), staged_name.c_str(), RENAME_NOREPLACE) == 0)
    return true;
  const int err = st.ok() ? errno : 0;
  unlinkat(staging_.fd(), tmp_name.c_str(), 0);
  if (!st.ok()) return st;
  if (err == EEXIST) return false;  // another thread staged it first
  return Status::FromErrno("stage object " + staged_name, err);
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
  OCITREE_RETURN_IF_ERROR(StageFinal(tmp, staged, c, type).status());
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
  return StageFinal(tmp, staged, commit, ObjectType::kCommitMeta).status();
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
// duplicate then costs no file at all, and a new object is handed to a
// worker (StoreSmallContent), which creates it under its staged name
// directly and writes it in one write(2), header included. O_EXCL makes the
// name the reservation: two threads never write one object, the one that
// gets EEXIST takes it as stored.
Result<Transaction::ContentWrite> Transaction::WriteSmallContent(const FileMeta& meta, ByteReader& payload,
                                                                 uint64_t size,
                                                                 const FreeSpaceReserve::Ticket& ticket) {
  std::vector<uint8_t> buf(size + 1);  // one byte more: a longer payload is corrupt
  uint64_t done = 0;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, payload.Read(std::span<uint8_t>(buf.data() + done, size + 1 - done)));
    if (n == 0) break;
    done += n;
    if (done > size) return Corrupt("file content is longer than its recorded size " + std::to_string(size));
  }
  if (done != size)
    return Corrupt("file content is truncated: " + std::to_string(done) + " of " + std::to_string(size) + " bytes");
  buf.resize(size);
  ContentHasher hasher;
  hasher.Begin(meta);
  hasher.Update(buf);
  ContentWrite out;
  out.checksum = hasher.Finish();
  const Checksum c = out.checksum;
  std::string staged = StagedName(c, ObjectType::kFile, store_.mode());
  OCITREE_ASSIGN_OR_RETURN(out.existed, store_.HasObject(c, ObjectType::kFile));
  if (out.existed) return out;
  {
    // Queued or staged, under one lock: a worker takes its object off
    // queued_ only once the file exists, so a second writer of the same
    // content always finds it in one or the other and reports it existing.
    std::lock_guard<std::mutex> guard(queued_mu_);
    if (queued_.count(c) != 0) {
      out.existed = true;
      return out;
    }
    OCITREE_ASSIGN_OR_RETURN(out.existed, IsStaged(staged, c, ObjectType::kFile));
    if (out.existed) return out;
    OCITREE_RETURN_IF_ERROR(PrepareStaged(c, ObjectType::kFile));
    queued_.insert(c);
  }
  Status queued = writers_.Submit(size + kQueuedOverhead, [this, c, staged = std::move(staged), meta,
                                                           data = std::move(buf), ticket] {
    Status st = StoreSmallContent(staged, meta, data, ticket);
    std::lock_guard<std::mutex> guard(queued_mu_);
    queued_.erase(c);
    return st;
  });
  if (!queued.ok()) {
    std::lock_guard<std::mutex> guard(queued_mu_);
    queued_.erase(c);
    return queued.WithContext("storing an earlier file");
  }
  return out;
}

Status Transaction::StoreSmallContent(const std::string& staged, const FileMeta& meta, ByteView data,
                                      const FreeSpaceReserve::Ticket& ticket) {
  const RepoMode mode = store_.mode();
  const bool perms_set = CreateWithFinalPerms(ObjectPerms(meta, mode));
  UniqueFd fd(openat(staging_.fd(), staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                     perms_set ? ObjectPerms(meta, mode) : 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) {  // another thread staged it, or is writing it now
      free_space_.Credit(ticket);
      return {};
    }
    return Status::FromErrno("create staged content object " + staged, errno);
  }
  Status st;
  if (mode == RepoMode::kArchive) {
    Bytes header = LengthPrefixed(SerializeArchiveHeader(meta, data.size()));
    DeflateWriter deflate(fd.get(), 1, &ThreadScratch().deflate, header);
    st = deflate.WriteAndFinish(data);
  } else {
    st = WriteAll(fd.get(), data, "content object");
  }
  if (st.ok()) st = FinishContentFile(fd.get(), meta, perms_set);
  if (!st.ok()) {
    // Never published half written. (A thread that met our EEXIST took it
    // for stored; the error fails the transaction, so nothing relies on it.)
    unlinkat(staging_.fd(), staged.c_str(), 0);
    return st;
  }
  return {};
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
  Result<ContentWrite> out = WriteContentObject(meta, payload, size, ticket);
  if (out.ok() && out->existed) free_space_.Credit(ticket);
  return out;
}

Result<Transaction::ContentWrite> Transaction::WriteContentObject(const FileMeta& meta, ByteReader& payload,
                                                                  uint64_t size,
                                                                  const FreeSpaceReserve::Ticket& ticket) {
  const RepoMode mode = store_.mode();
  if (meta.is_regular() && size <= kSmallFile) return WriteSmallContent(meta, payload, size, ticket);
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
  OCITREE_ASSIGN_OR_RETURN(bool ours, StageFinal(tmp, staged, out.checksum, ObjectType::kFile));
  out.existed = !ours;
  return out;
}

Result<std::optional<Bytes>> Transaction::ReadStaged(ObjectType type, const Checksum& checksum) const {
  if (!staged_.MayContain(checksum, BloomTag(type))) return std::optional<Bytes>();
  std::string name = StagedName(checksum, type, store_.mode());
  // Metadata is staged by rename, so a name that exists is complete.
  Result<std::string> text = ReadFileAt(staging_.fd(), name);
  if (!text.ok()) {
    if (text.status().code() == ErrorCode::kNotFound) return std::optional<Bytes>();  // a false positive
    return text.status();
  }
  return std::optional<Bytes>(Bytes(text->begin(), text->end()));
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

// Walks the XX/ subdirectories this transaction made and renames every
// entry into objects/XX/ (libostree's rename_pending_loose_objects): the
// directory listing is the list of objects, nothing is held in memory.
Status Transaction::PublishObjects() {
  UniqueFd objects(openat(store_.dirfd(), "objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!objects.valid()) return Status::FromErrno("open " + store_.path() + "/objects", errno);
  for (unsigned xx = 0; xx < 256; xx++) {
    if ((subdirs_[xx >> 6].load(std::memory_order_acquire) >> (xx & 63) & 1) == 0) continue;
    OCITREE_RETURN_IF_ERROR(PublishSubdir(objects.get(), StagingSubdirName(xx).data()));
  }
  return {};
}

Status Transaction::PublishSubdir(int objects_fd, const char* xx) {
  const std::string where = std::string("objects/") + xx;
  // Where the repo has no objects/XX yet (a first pull), the staged
  // subdirectory, which holds only complete objects by now, becomes it: one
  // rename instead of one per object. RENAME_NOREPLACE: a subdirectory made
  // meanwhile (another writer) is merged into object by object below.
  if (renameat2(staging_.fd(), xx, objects_fd, xx, RENAME_NOREPLACE) == 0) return {};
  if (errno != EEXIST) return Status::FromErrno("move staging subdirectory to " + where, errno);
  UniqueFd src(openat(staging_.fd(), xx, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!src.valid()) return Status::FromErrno("open staging subdirectory " + std::string(xx), errno);
  if (mkdirat(objects_fd, xx, 0775) != 0 && errno != EEXIST) return Status::FromErrno("create " + where, errno);
  UniqueFd dst(openat(objects_fd, xx, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dst.valid()) return Status::FromErrno("open " + where, errno);
  // readdir on its own descriptor (closedir closes it); renaming the
  // entries already returned away from the directory is safe meanwhile.
  int dup = fcntl(src.get(), F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Status::FromErrno("dup staging subdirectory", errno);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(fdopendir(dup), closedir);
  if (!dir) {
    int err = errno;
    close(dup);
    return Status::FromErrno("read staging subdirectory " + std::string(xx), err);
  }
  for (;;) {
    errno = 0;
    struct dirent* e = readdir(dir.get());
    if (e == nullptr) {
      if (errno != 0) return Status::FromErrno("read staging subdirectory " + std::string(xx), errno);
      break;
    }
    const char* name = e->d_name;
    if (name[0] == '.') continue;  // "." and ".."; no object name starts with a dot
    if (renameat2(src.get(), name, dst.get(), name, RENAME_NOREPLACE) != 0) {
      if (errno != EEXIST) return Status::FromErrno("move object into " + where + "/" + name, errno);
      unlinkat(src.get(), name, 0);  // someone else stored it meanwhile
    }
  }
  unlinkat(staging_.fd(), xx, AT_REMOVEDIR);  // empty now; the staging dir's removal would do it otherwise
  return {};
}

Status Transaction::Flush() { return writers_.Wait(); }

Status Transaction::Commit() {
  OCITREE_RETURN_IF_ERROR(Flush());
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
