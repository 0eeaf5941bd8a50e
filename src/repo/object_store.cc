#include "repo/object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "compress/deflate.h"
#include "base/fs_util.h"
#include "repo/repo_mode.h"

namespace ocitree {

namespace {

// The subset of GLib key files that repo configs use: [section] and key=value.
std::map<std::string, std::map<std::string, std::string>> ParseKeyFile(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    out[section][key] = value;
  }
  return out;
}

// Reads the payload of an archive `.filez` object after its header.
class ArchivePayloadReader : public ByteReader {
 public:
  ArchivePayloadReader(UniqueFd fd, InflateScratch* scratch)
      : fd_(std::move(fd)), file_(fd_.get()), inflate_(file_, scratch) {}
  Result<size_t> Read(std::span<uint8_t> buf) override { return inflate_.Read(buf); }

 private:
  UniqueFd fd_;
  FdReader file_;
  InflateReader inflate_;
};

class EmptyReader : public ByteReader {
 public:
  Result<size_t> Read(std::span<uint8_t>) override { return size_t{0}; }
};

}  // namespace

bool IsValidRefName(std::string_view ref) {
  if (ref.empty() || Checksum::IsValidHex(ref)) return false;
  size_t start = 0;
  while (start <= ref.size()) {
    size_t end = ref.find('/', start);
    if (end == std::string_view::npos) end = ref.size();
    std::string_view part = ref.substr(start, end - start);
    if (part.empty()) return false;
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    if (!word(part[0])) return false;
    for (char c : part)
      if (!word(c) && c != '-' && c != '.') return false;
    start = end + 1;
  }
  return true;
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Create(const std::string& path, RepoMode mode) {
  if (mkdir(path.c_str(), 0775) != 0 && errno != EEXIST) return Status::FromErrno("create " + path, errno);
  UniqueFd dfd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid()) return Status::FromErrno("open " + path, errno);
  struct stat st;
  if (fstatat(dfd.get(), "objects", &st, 0) == 0)
    return Status::Error(ErrorCode::kAlreadyExists, path + " is already a repository");
  std::string config = std::string("[core]\nrepo_version=1\nmode=") + RepoModeConfigName(mode) + "\n";
  OCITREE_RETURN_IF_ERROR(WriteFileAtomically(dfd.get(), "config", AsBytes(config), 0644, true));
  // "objects" last: its existence is what makes a directory a repository.
  for (const char* dir : {"tmp", "extensions", "state", "refs", "refs/heads", "refs/mirrors", "refs/remotes", "objects"})
    if (mkdirat(dfd.get(), dir, 0775) != 0 && errno != EEXIST)
      return Status::FromErrno(std::string("create ") + path + "/" + dir, errno);
  if (fsync(dfd.get()) != 0) return Status::FromErrno("sync " + path, errno);
  return Open(path);
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(const std::string& path) {
  UniqueFd dfd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd.valid()) return Status::FromErrno("open repository " + path, errno);
  struct stat st;
  if (fstatat(dfd.get(), "objects", &st, 0) != 0)
    return NotFound(path + " is not an OSTree repository (no objects/ directory); create one with 'ocitree init'");
  std::unique_ptr<ObjectStore> store(new ObjectStore(path, std::move(dfd)));
  OCITREE_RETURN_IF_ERROR(store->LoadConfig().WithContext("repository " + path));
  return store;
}

Status ObjectStore::LoadConfig() {
  OCITREE_ASSIGN_OR_RETURN(std::string text, ReadFileAt(dirfd(), "config"));
  auto config = ParseKeyFile(text);
  auto& core = config["core"];
  if (core["repo_version"] != "1") return Unsupported("config: repo_version is not 1");
  if (core.count("archive") && core["archive"] == "true")
    return Unsupported("config: archive=true is the old pre-archive-z2 format");
  std::string mode = core.count("mode") ? core["mode"] : "bare";
  OCITREE_ASSIGN_OR_RETURN(mode_, ParseRepoMode(mode));
  if (core.count("fsync")) fsync_ = core["fsync"] != "false";
  // libostree refuses to open a repo whose reserve it cannot read; so do we.
  auto free_space = ParseFreeSpaceConfig(core);
  if (!free_space.ok()) return free_space.status().WithContext("config");
  free_space_ = *free_space;
  return {};
}

Result<bool> ObjectStore::HasObject(const Checksum& checksum, ObjectType type) const {
  struct stat st;
  if (fstatat(dirfd(), LooseObjectPath(checksum, type, mode_).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  return Status::FromErrno("stat object " + checksum.Hex(), errno);
}

Result<Bytes> ObjectStore::ReadMetadataBytes(ObjectType type, const Checksum& checksum) const {
  std::string rel = LooseObjectPath(checksum, type, mode_);
  UniqueFd fd(openat(dirfd(), rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT)
      return NotFound(std::string("no ") + ObjectTypeName(type) + " object " + checksum.Hex());
    return Status::FromErrno("open " + rel, errno);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + rel, errno);
  if (!S_ISREG(st.st_mode)) return Corrupt(rel + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxMetadataSize) return Corrupt(rel + " is larger than the metadata object limit of " + std::to_string(kMaxMetadataSize) + " bytes");
  Bytes data(static_cast<size_t>(st.st_size));
  FdReader reader(fd.get(), rel);
  OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(reader, data));
  if (n != data.size()) return Corrupt(rel + " changed size while being read");
  return data;
}

Result<CommitObject> ObjectStore::ReadCommit(const Checksum& checksum) const {
  OCITREE_ASSIGN_OR_RETURN(Bytes data, ReadMetadataBytes(ObjectType::kCommit, checksum));
  auto parsed = ParseCommit(data);
  if (!parsed.ok()) return parsed.status().WithContext("commit " + checksum.Hex());
  return parsed;
}

Result<DirTree> ObjectStore::ReadDirTree(const Checksum& checksum) const {
  OCITREE_ASSIGN_OR_RETURN(Bytes data, ReadMetadataBytes(ObjectType::kDirTree, checksum));
  auto parsed = ParseDirTree(data);
  if (!parsed.ok()) return parsed.status().WithContext("dirtree " + checksum.Hex());
  return parsed;
}

Result<DirMeta> ObjectStore::ReadDirMeta(const Checksum& checksum) const {
  OCITREE_ASSIGN_OR_RETURN(Bytes data, ReadMetadataBytes(ObjectType::kDirMeta, checksum));
  auto parsed = ParseDirMeta(data);
  if (!parsed.ok()) return parsed.status().WithContext("dirmeta " + checksum.Hex());
  return parsed;
}

Result<ContentObject> ObjectStore::OpenContent(const Checksum& checksum, InflateScratch* scratch) const {
  std::string rel = LooseObjectPath(checksum, ObjectType::kFile, mode_);
  auto context = [&](const Status& s) { return s.WithContext("content object " + checksum.Hex()); };
  ContentObject obj;
  struct stat st;
  // Open first and stat the descriptor: one lookup for the common case.
  // O_NOFOLLOW fails with ELOOP on a symlink object; O_NONBLOCK keeps a fifo
  // planted in objects/ from blocking the open.
  obj.fd.Reset(openat(dirfd(), rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!obj.fd.valid()) {
    if (errno == ENOENT) return NotFound("no content object " + checksum.Hex());
    if (errno != ELOOP) return Status::FromErrno("open " + rel, errno);
    if (fstatat(dirfd(), rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return NotFound("no content object " + checksum.Hex());
      return Status::FromErrno("stat " + rel, errno);
    }
    if (!S_ISLNK(st.st_mode)) return Status::FromErrno("open " + rel, ELOOP);
    if (mode_ != RepoMode::kBare && mode_ != RepoMode::kBareUserOnly)
      return context(Corrupt("stored as a symlink, which this repository mode never does"));
    OCITREE_ASSIGN_OR_RETURN(obj.meta.symlink_target, ReadLinkAt(dirfd(), rel));
    obj.meta.mode = st.st_mode;
    if (mode_ == RepoMode::kBare) {
      obj.meta.uid = st.st_uid;
      obj.meta.gid = st.st_gid;
      OCITREE_ASSIGN_OR_RETURN(obj.meta.xattrs, ReadXattrsPath(path_ + "/" + rel, false));
    }
    obj.payload = std::make_unique<EmptyReader>();
    return obj;
  }
  if (fstat(obj.fd.get(), &st) != 0) return Status::FromErrno("stat " + rel, errno);
  if (!S_ISREG(st.st_mode)) return context(Corrupt("not a regular file or symlink"));

  switch (mode_) {
    case RepoMode::kArchive: {
      uint8_t prefix[8];
      FdReader reader(obj.fd.get(), rel);
      OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(reader, prefix));
      if (n != 8) return context(Corrupt("truncated archive header"));
      uint32_t len = uint32_t{prefix[0]} << 24 | uint32_t{prefix[1]} << 16 | uint32_t{prefix[2]} << 8 | prefix[3];
      if (len > kMaxMetadataSize || len + 8ull > static_cast<uint64_t>(st.st_size))
        return context(Corrupt("archive header length out of range"));
      Bytes header(len);
      OCITREE_ASSIGN_OR_RETURN(n, ReadFull(reader, header));
      if (n != len) return context(Corrupt("truncated archive header"));
      auto meta = ParseArchiveHeader(header, &obj.size);
      if (!meta.ok()) return context(meta.status());
      obj.meta = std::move(meta).value();
      if (obj.meta.is_symlink()) {
        obj.size = 0;
        obj.payload = std::make_unique<EmptyReader>();
        obj.fd.Reset();
      } else {
        obj.payload = std::make_unique<ArchivePayloadReader>(std::move(obj.fd), scratch);
      }
      return obj;
    }
    case RepoMode::kBareUser: {
      Bytes meta(4096);
      ssize_t n = fgetxattr(obj.fd.get(), "user.ostreemeta", meta.data(), meta.size());
      if (n < 0 && errno == ERANGE) {
        n = fgetxattr(obj.fd.get(), "user.ostreemeta", nullptr, 0);
        if (n > 0) {
          meta.resize(static_cast<size_t>(n));
          n = fgetxattr(obj.fd.get(), "user.ostreemeta", meta.data(), meta.size());
        }
      }
      if (n < 0) return context(Status::FromErrno("read user.ostreemeta", errno));
      meta.resize(static_cast<size_t>(n));
      // Same layout as a dirmeta, but the mode is a file's.
      OCITREE_ASSIGN_OR_RETURN(gvariant::View v, gvariant::View::Parse("(uuua(ayay))", meta));
      obj.meta.uid = FromBigEndian32(v.Child(0).GetUint32());
      obj.meta.gid = FromBigEndian32(v.Child(1).GetUint32());
      obj.meta.mode = FromBigEndian32(v.Child(2).GetUint32());
      OCITREE_ASSIGN_OR_RETURN(obj.meta.xattrs, ParseXattrs(v.Child(3)));
      if (obj.meta.is_symlink()) {
        // The target is the file's content, with a trailing NUL.
        OCITREE_ASSIGN_OR_RETURN(std::string target, ReadFileAt(dirfd(), rel));
        if (!target.empty() && target.back() == '\0') target.pop_back();
        obj.meta.symlink_target = std::move(target);
        obj.payload = std::make_unique<EmptyReader>();
        obj.fd.Reset();
        return obj;
      }
      break;
    }
    case RepoMode::kBare: {
      obj.meta.uid = st.st_uid;
      obj.meta.gid = st.st_gid;
      obj.meta.mode = st.st_mode;
      OCITREE_ASSIGN_OR_RETURN(obj.meta.xattrs, ReadXattrsFd(obj.fd.get()));
      break;
    }
    case RepoMode::kBareUserOnly:
      obj.meta.mode = st.st_mode;
      break;
  }
  obj.size = static_cast<uint64_t>(st.st_size);
  obj.payload = std::make_unique<FdReader>(obj.fd.get(), rel);
  return obj;
}

Result<std::vector<ObjectStore::StoredObject>> ObjectStore::ListObjects() const {
  std::vector<StoredObject> out;
  UniqueFd objects(openat(dirfd(), "objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!objects.valid()) return Status::FromErrno("open objects/", errno);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> subdirs, ListDirectory(objects.get()));
  for (const std::string& sub : subdirs) {
    if (sub.size() != 2) continue;
    UniqueFd fd(openat(objects.get(), sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) continue;
    OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(fd.get()));
    for (const std::string& name : names) {
      size_t dot = name.find('.');
      if (dot != 62) continue;
      ObjectType type;
      if (!ObjectTypeFromExtension(std::string_view(name).substr(dot + 1), &type)) continue;
      auto c = Checksum::FromHex(sub + name.substr(0, dot));
      if (c.ok()) out.push_back({*c, type});
    }
  }
  return out;
}

bool ObjectStore::IsCommitPartial(const Checksum& commit) const {
  struct stat st;
  return fstatat(dirfd(), ("state/" + commit.Hex() + ".commitpartial").c_str(), &st, 0) == 0;
}

namespace {

Result<std::string> RefPath(std::string_view ref) {
  size_t colon = ref.find(':');
  if (colon == std::string_view::npos) {
    if (!IsValidRefName(ref)) return InvalidArgument("invalid ref name '" + std::string(ref) + "'");
    return "refs/heads/" + std::string(ref);
  }
  std::string_view remote = ref.substr(0, colon), name = ref.substr(colon + 1);
  if (!IsValidRefName(remote) || remote.find('/') != std::string_view::npos || !IsValidRefName(name))
    return InvalidArgument("invalid ref '" + std::string(ref) + "'");
  return "refs/remotes/" + std::string(remote) + "/" + std::string(name);
}

Status ListRefsUnder(int dirfd, const std::string& dir, const std::string& prefix, std::vector<std::string>* out) {
  UniqueFd fd(openat(dirfd, dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return {};
    return Status::FromErrno("open " + dir, errno);
  }
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(fd.get()));
  for (const std::string& name : names) {
    struct stat st;
    // No ref name starts with a dot; such names are other tools' temporary files.
    if (name[0] == '.') continue;
    if (fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode))
      OCITREE_RETURN_IF_ERROR(ListRefsUnder(dirfd, dir + "/" + name, prefix + name + "/", out));
    else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
      out->push_back(prefix + name);
  }
  return {};
}

}  // namespace

Result<std::optional<Checksum>> ObjectStore::ReadRef(std::string_view ref) const {
  OCITREE_ASSIGN_OR_RETURN(std::string rel, RefPath(ref));
  auto text = ReadFileAt(dirfd(), rel);
  if (!text.ok()) {
    if (text.status().code() == ErrorCode::kNotFound) return std::optional<Checksum>();
    return text.status();
  }
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto c = Checksum::FromHex(s);
  if (!c.ok()) return Corrupt("ref " + std::string(ref) + " does not hold a checksum");
  return std::optional<Checksum>(*c);
}

Result<std::vector<std::string>> ObjectStore::ListRefs() const {
  std::vector<std::string> refs;
  OCITREE_RETURN_IF_ERROR(ListRefsUnder(dirfd(), "refs/heads", "", &refs));
  UniqueFd remotes(openat(dirfd(), "refs/remotes", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (remotes.valid()) {
    OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(remotes.get()));
    for (const std::string& remote : names)
      OCITREE_RETURN_IF_ERROR(ListRefsUnder(dirfd(), "refs/remotes/" + remote, remote + ":", &refs));
  }
  std::sort(refs.begin(), refs.end());
  return refs;
}

Status ObjectStore::WriteRef(std::string_view ref, const Checksum& commit) {
  OCITREE_ASSIGN_OR_RETURN(std::string rel, RefPath(ref));
  size_t slash = rel.rfind('/');
  OCITREE_RETURN_IF_ERROR(MakeDirs(dirfd(), rel.substr(0, slash), 0775));
  std::string text = commit.Hex() + "\n";
  // The temporary file lives in tmp/: a writer killed before the rename must not leave a
  // stray name under refs/ for every lister (ours and ostree's) to trip over.
  UniqueFd tmp(openat(dirfd(), "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!tmp.valid()) return Status::FromErrno("open tmp", errno).WithContext("write ref " + std::string(ref));
  return WriteFileAtomicallyVia(tmp.get(), dirfd(), rel, AsBytes(text), 0644, fsync_)
      .WithContext("write ref " + std::string(ref));
}

Status ObjectStore::DeleteRef(std::string_view ref) {
  OCITREE_ASSIGN_OR_RETURN(std::string rel, RefPath(ref));
  if (unlinkat(dirfd(), rel.c_str(), 0) != 0) {
    if (errno == ENOENT) return NotFound("ref '" + std::string(ref) + "' not found");
    return Status::FromErrno("delete ref " + std::string(ref), errno);
  }
  return {};
}

Result<Checksum> ObjectStore::ResolveRev(std::string_view rev) const {
  size_t parents = 0;
  while (!rev.empty() && rev.back() == '^') {
    parents++;
    rev.remove_suffix(1);
  }
  Checksum c;
  if (Checksum::IsValidHex(rev)) {
    OCITREE_ASSIGN_OR_RETURN(c, Checksum::FromHex(rev));
  } else {
    OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> r, ReadRef(rev));
    if (!r) return NotFound("refspec '" + std::string(rev) + "' not found");
    c = *r;
  }
  for (size_t i = 0; i < parents; i++) {
    OCITREE_ASSIGN_OR_RETURN(CommitObject commit, ReadCommit(c));
    if (!commit.parent) return NotFound("commit " + c.Hex() + " has no parent");
    c = *commit.parent;
  }
  return c;
}

}  // namespace ocitree
