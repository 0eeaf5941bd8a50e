#include "oci/archive_destination.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/fs_util.h"
#include "oci/layout_index.h"
#include "oci/limits.h"
#include "oci/safe_open.h"
#include "tar/tar_writer.h"

namespace ocitree::oci {

namespace {

constexpr size_t kCopyChunk = size_t{1} << 20;

// A hidden name beside FILE that stays within NAME_MAX.
std::string SideName(const std::string& name, std::string_view what) {
  return "." + name.substr(0, 100) + ".ocitree-" + std::string(what) + "-" + RandomSuffix();
}

tar::TarWriteEntry Member(std::string path, tar::EntryType type, uint64_t size = 0) {
  tar::TarWriteEntry e;
  e.path = std::move(path);
  e.type = type;
  e.mode = type == tar::EntryType::kDirectory ? 0755 : 0644;
  e.size = size;
  return e;
}

// Copies the regular file `rel` below `dirfd` into the archive as `rel`.
Status AddFile(tar::TarWriter& tar, int dirfd, const std::string& rel, std::vector<uint8_t>& buf) {
  uint64_t size = 0;
  OCITREE_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularFileBeneath(dirfd, rel, &size));
  OCITREE_RETURN_IF_ERROR(tar.AddEntry(Member(rel, tar::EntryType::kRegular, size)));
  FdReader in(fd.get(), rel);
  uint64_t left = size;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    OCITREE_ASSIGN_OR_RETURN(size_t n, in.Read({buf.data(), want}));
    if (n == 0) return Internal(rel + ": staged file shrank while being archived");
    OCITREE_RETURN_IF_ERROR(tar.WriteContent({buf.data(), n}));
    left -= n;
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ArchiveDestination>> ArchiveDestination::Open(const std::string& file, const std::string& tag) {
  std::unique_ptr<ArchiveDestination> dest(
      new ArchiveDestination("oci-archive:" + file + (tag.empty() ? "" : ":" + tag)));
  const std::string& where = dest->describe_;
  auto [parent, name] = SplitParentPath(file);
  if (name.empty() || name == "." || name == "..") {
    return InvalidArgument(where + ": '" + file + "' does not name a file");
  }
  dest->parent_fd_.Reset(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dest->parent_fd_.valid()) return Status::FromErrno(where + ": open directory " + parent, errno);
  dest->name_ = name;
  struct stat st;
  if (::fstatat(dest->parent_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return InvalidArgument(where + ": " + file + " is a symlink; name the file itself (it would be replaced, "
                                                   "not written through)");
    }
    if (!S_ISREG(st.st_mode)) return InvalidArgument(where + ": " + file + " exists and is not a regular file");
  } else if (errno != ENOENT) {
    return Status::FromErrno(where + ": stat " + file, errno);
  }
  const std::string staging = SideName(name, "staging");
  if (::mkdirat(dest->parent_fd_.get(), staging.c_str(), 0700) != 0) {
    return Status::FromErrno(where + ": create staging directory " + staging, errno);
  }
  dest->staging_name_ = staging;  // removed by the destructor from here on
  dest->staging_fd_.Reset(
      ::openat(dest->parent_fd_.get(), staging.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dest->staging_fd_.valid()) return Status::FromErrno(where + ": open " + staging, errno);
  UniqueFd layout_fd(::fcntl(dest->staging_fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!layout_fd.valid()) return Status::FromErrno(where + ": dup", errno);
  OCITREE_ASSIGN_OR_RETURN(dest->staging_, LayoutDestination::OpenStaging(std::move(layout_fd), tag, where));
  return dest;
}

ArchiveDestination::~ArchiveDestination() { Cleanup(); }

void ArchiveDestination::Cleanup() {
  staging_.reset();
  if (!temp_name_.empty()) ::unlinkat(parent_fd_.get(), temp_name_.c_str(), 0);
  temp_name_.clear();
  if (!staging_name_.empty()) (void)RemoveTreeAt(parent_fd_.get(), staging_name_);
  staging_name_.clear();
}

Status ArchiveDestination::CheckOpen(const char* what) const {
  if (closed_) return Internal(describe_ + ": " + what + " after Commit");
  return {};
}

Result<bool> ArchiveDestination::HasBlob(const Digest& digest, uint64_t size) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("HasBlob"));
  return staging_->HasBlob(digest, size);
}

Result<std::unique_ptr<BlobWriter>> ArchiveDestination::StartBlob(std::string media_type,
                                                                  BlobExpectation expected) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("StartBlob"));
  return staging_->StartBlob(std::move(media_type), std::move(expected));
}

Status ArchiveDestination::PutManifest(const Descriptor& desc, ByteView bytes) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("PutManifest"));
  return staging_->PutManifest(desc, bytes);
}

Status ArchiveDestination::Commit(const Descriptor& top_level) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("Commit"));
  closed_ = true;
  Status s = staging_->Commit(top_level);
  if (s.ok()) s = Pack();
  Cleanup();
  return s;
}

Status ArchiveDestination::Pack() {
  temp_name_ = SideName(name_, "tmp");
  UniqueFd fd(::openat(parent_fd_.get(), temp_name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0644));
  if (!fd.valid()) {
    Status s = Status::FromErrno(describe_ + ": create " + temp_name_, errno);
    temp_name_.clear();
    return s;
  }
  OCITREE_RETURN_IF_ERROR(WriteMembers(fd.get()).WithContext(describe_));
  if (::fdatasync(fd.get()) != 0) return Status::FromErrno(describe_ + ": sync " + temp_name_, errno);
  fd.Reset();
  if (::renameat(parent_fd_.get(), temp_name_.c_str(), parent_fd_.get(), name_.c_str()) != 0) {
    return Status::FromErrno(describe_ + ": rename " + temp_name_ + " to " + name_, errno);
  }
  temp_name_.clear();
  if (::fsync(parent_fd_.get()) != 0) return Status::FromErrno(describe_ + ": sync directory", errno);
  return {};
}

Status ArchiveDestination::WriteMembers(int tar_fd) {
  FdSink sink(tar_fd, temp_name_);
  tar::TarWriter tar(sink);
  std::vector<uint8_t> buf(kCopyChunk);
  const int root = staging_fd_.get();
  // The layout header and index first, so a streaming reader meets them
  // before the blobs.
  OCITREE_RETURN_IF_ERROR(AddFile(tar, root, std::string(kOciLayoutFile), buf));
  OCITREE_RETURN_IF_ERROR(AddFile(tar, root, std::string(kIndexFile), buf));
  OCITREE_RETURN_IF_ERROR(tar.AddEntry(Member("blobs/", tar::EntryType::kDirectory)));
  OCITREE_RETURN_IF_ERROR(tar.AddEntry(Member("blobs/sha256/", tar::EntryType::kDirectory)));
  UniqueFd sha256(::openat(root, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sha256.valid()) return Status::FromErrno("open staged blobs/sha256", errno);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(sha256.get()));  // sorted
  for (const std::string& hex : names) {
    if (!Checksum::IsValidHex(hex)) return Internal("staged blobs/sha256/" + hex + " is not a blob");
    OCITREE_RETURN_IF_ERROR(AddFile(tar, root, "blobs/sha256/" + hex, buf));
  }
  return tar.Finish();
}

}  // namespace ocitree::oci
