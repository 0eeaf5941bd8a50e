#include "oci/layout_destination.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "base/checksum.h"
#include "base/fs_util.h"
#include "oci/index.h"
#include "oci/layout_index.h"
#include "oci/layout_index_update.h"
#include "oci/limits.h"
#include "oci/media_types.h"
#include "oci/safe_open.h"

namespace ocitree::oci {

struct LayoutDestination::Dirs {
  UniqueFd root;    // DIR
  UniqueFd blobs;   // DIR/blobs
  UniqueFd sha256;  // DIR/blobs/sha256
  bool durable = true;
  std::string describe;
};

namespace {

constexpr std::string_view kBlobTempPrefix = ".ocitree-blob-";
constexpr std::string_view kLayoutHeader = R"({"imageLayoutVersion":"1.0.0"})";

Status Sync(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return Status::FromErrno("sync " + what, errno);
  return {};
}

// Opens (creating it if missing) the directory `name` below `at`, never
// through a symlink.
Result<UniqueFd> OpenDirNoFollow(int at, const std::string& name, const std::string& shown) {
  if (::mkdirat(at, name.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FromErrno("create " + shown, errno);
  }
  UniqueFd fd(::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.valid()) return fd;
  const int err = errno;
  struct stat st;
  if (::fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return Corrupt(shown + " is a symlink; layouts are written without following symlinks");
    }
    if (!S_ISDIR(st.st_mode)) return Corrupt(shown + " is not a directory");
  }
  return Status::FromErrno("open " + shown, err);
}

// Makes an empty directory a layout: header, empty index, blob directories.
Status InitLayout(int root, bool durable) {
  OCITREE_RETURN_IF_ERROR(WriteFileAtomically(root, std::string(kOciLayoutFile), AsBytes(kLayoutHeader), 0644, durable));
  OCITREE_RETURN_IF_ERROR(WriteFileAtomically(root, std::string(kIndexFile), EmptyLayoutIndex(), 0644, durable));
  return {};
}

// An existing DIR must already be a layout we can add to.
Status CheckExistingLayout(int root, const std::vector<std::string>& names, const std::string& where) {
  if (std::find(names.begin(), names.end(), kOciLayoutFile) == names.end()) {
    return Status::Error(ErrorCode::kAlreadyExists,
                         where + ": the directory exists and is not an OCI image layout (no oci-layout "
                                 "file); refusing to write into it");
  }
  Result<Bytes> header = ReadFileBeneath(root, kOciLayoutFile, kMaxJsonSize);
  if (!header.ok()) return header.status().WithContext(where);
  OCITREE_RETURN_IF_ERROR(CheckLayoutHeader(*header, where));
  if (std::find(names.begin(), names.end(), kIndexFile) == names.end()) return {};
  Result<Bytes> index = ReadFileBeneath(root, kIndexFile, kMaxJsonSize);
  if (!index.ok()) return index.status().WithContext(where);
  Result<Index> parsed = Index::Parse(std::move(*index));
  if (!parsed.ok()) {
    return Status::Error(ErrorCode::kCorrupt, where + ": index.json: " + parsed.status().message() +
                                                  " (refusing to replace it)");
  }
  return {};
}

class LayoutBlobWriter : public BlobWriter {
 public:
  LayoutBlobWriter(std::shared_ptr<const LayoutDestination::Dirs> dirs, std::string temp_name, UniqueFd fd,
                   std::string media_type, BlobExpectation expected)
      : dirs_(std::move(dirs)),
        temp_name_(std::move(temp_name)),
        fd_(std::move(fd)),
        media_type_(std::move(media_type)),
        expected_(std::move(expected)) {}
  ~LayoutBlobWriter() override { Discard(); }

  Status Write(ByteView data) override {
    if (done_) return Internal(dirs_->describe + ": blob Write after Commit");
    if (!error_.ok()) return error_;
    if (expected_.size && data.size() > *expected_.size - size_) {
      return Fail(Corrupt(dirs_->describe + ": blob is larger than the expected " +
                          std::to_string(*expected_.size) + " bytes"));
    }
    Status s = WriteAll(fd_.get(), data, dirs_->describe + ": blob");
    if (!s.ok()) return Fail(s);
    hash_.Update(data);
    size_ += data.size();
    return {};
  }

  Result<WrittenBlob> Commit() override {
    if (done_) return Internal(dirs_->describe + ": blob committed twice");
    done_ = true;
    if (!error_.ok()) return error_;
    WrittenBlob out;
    out.descriptor.media_type = media_type_;
    out.descriptor.digest = Digest(hash_.Finish());
    out.descriptor.size = size_;
    const std::string name = out.descriptor.digest.Hex();
    if (expected_.size && *expected_.size != size_) {
      Discard();
      return Corrupt(dirs_->describe + ": blob has " + std::to_string(size_) + " bytes, expected " +
                     std::to_string(*expected_.size));
    }
    if (expected_.digest && *expected_.digest != out.descriptor.digest) {
      Discard();
      return Corrupt(dirs_->describe + ": blob has digest " + out.descriptor.digest.ToString() + ", expected " +
                     expected_.digest->ToString());
    }
    struct stat st;
    if (::fstatat(dirs_->sha256.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
        static_cast<uint64_t>(st.st_size) == size_) {
      Discard();
      out.existed = true;
      return out;
    }
    // Data first, then the name: a crash never leaves a short blob named
    // by its digest.
    if (dirs_->durable && ::fdatasync(fd_.get()) != 0) {
      Status s = Status::FromErrno(dirs_->describe + ": sync blob", errno);
      Discard();
      return s;
    }
    fd_.Reset();
    if (::renameat(dirs_->root.get(), temp_name_.c_str(), dirs_->sha256.get(), name.c_str()) != 0) {
      Status s = Status::FromErrno(dirs_->describe + ": store blob " + BlobPath(out.descriptor.digest), errno);
      Discard();
      return s;
    }
    temp_name_.clear();
    return out;
  }

  uint64_t size() const override { return size_; }

 private:
  Status Fail(Status s) {
    error_ = s;
    return s;
  }
  void Discard() {
    fd_.Reset();
    if (!temp_name_.empty()) ::unlinkat(dirs_->root.get(), temp_name_.c_str(), 0);
    temp_name_.clear();
  }

  std::shared_ptr<const LayoutDestination::Dirs> dirs_;
  std::string temp_name_;  // "" once renamed or removed
  UniqueFd fd_;
  std::string media_type_;
  BlobExpectation expected_;
  Sha256 hash_;
  uint64_t size_ = 0;
  Status error_;
  bool done_ = false;
};

// Opens blobs/ and blobs/sha256/ below dirs->root, creating them if missing.
Status OpenBlobDirs(LayoutDestination::Dirs* dirs) {
  OCITREE_ASSIGN_OR_RETURN(dirs->blobs, OpenDirNoFollow(dirs->root.get(), "blobs", dirs->describe + ": blobs"));
  OCITREE_ASSIGN_OR_RETURN(dirs->sha256,
                           OpenDirNoFollow(dirs->blobs.get(), "sha256", dirs->describe + ": blobs/sha256"));
  return {};
}

}  // namespace

Result<std::unique_ptr<LayoutDestination>> LayoutDestination::Open(const std::string& dir, const std::string& tag) {
  const std::string describe = "oci:" + dir + (tag.empty() ? "" : ":" + tag);
  const bool created = ::mkdir(dir.c_str(), 0755) == 0;
  if (!created && errno != EEXIST) {
    if (errno == ENOENT) return NotFound(describe + ": cannot create " + dir + ": its parent directory does not exist");
    return Status::FromErrno(describe + ": create " + dir, errno);
  }
  // DIR itself is the user's choice, so a symlink to it is fine.
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Status::FromErrno(describe + ": open " + dir, errno);
  UniqueFd created_parent;
  std::string created_name;
  if (created) {
    auto [parent, name] = SplitParentPath(dir);
    created_parent.Reset(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!created_parent.valid()) {
      Status s = Status::FromErrno(describe + ": open " + parent, errno);
      ::rmdir(dir.c_str());
      return s;
    }
    created_name = name;
  }
  auto dirs = std::make_shared<Dirs>();
  dirs->root = std::move(root);
  dirs->describe = describe;
  // From here on an error return removes a DIR we created (the destructor).
  std::unique_ptr<LayoutDestination> dest(new LayoutDestination(dirs, tag, describe));
  dest->created_parent_fd_ = std::move(created_parent);
  dest->created_name_ = std::move(created_name);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dirs->root.get()));
  if (names.empty()) {
    OCITREE_RETURN_IF_ERROR(InitLayout(dirs->root.get(), true).WithContext(describe));
  } else {
    OCITREE_RETURN_IF_ERROR(CheckExistingLayout(dirs->root.get(), names, describe));
  }
  OCITREE_RETURN_IF_ERROR(OpenBlobDirs(dirs.get()));
  OCITREE_RETURN_IF_ERROR(Sync(dirs->blobs.get(), describe + ": blobs"));
  OCITREE_RETURN_IF_ERROR(Sync(dirs->root.get(), describe));
  return dest;
}

Result<std::unique_ptr<LayoutDestination>> LayoutDestination::OpenStaging(UniqueFd dir_fd, const std::string& tag,
                                                                          std::string describe) {
  auto dirs = std::make_shared<Dirs>();
  dirs->root = std::move(dir_fd);
  dirs->durable = false;
  dirs->describe = describe;
  OCITREE_RETURN_IF_ERROR(InitLayout(dirs->root.get(), false).WithContext(describe));
  OCITREE_RETURN_IF_ERROR(OpenBlobDirs(dirs.get()));
  return std::unique_ptr<LayoutDestination>(new LayoutDestination(std::move(dirs), tag, std::move(describe)));
}

LayoutDestination::~LayoutDestination() {
  if (!committed_) RemoveCreatedDir();
}

void LayoutDestination::RemoveCreatedDir() {
  if (!created_parent_fd_.valid()) return;
  // Only if DIR is still the directory we made.
  struct stat ours, there;
  if (dirs_ && dirs_->root.valid() && ::fstat(dirs_->root.get(), &ours) == 0 &&
      ::fstatat(created_parent_fd_.get(), created_name_.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0 &&
      ours.st_dev == there.st_dev && ours.st_ino == there.st_ino) {
    (void)RemoveTreeAt(created_parent_fd_.get(), created_name_);
  }
  created_parent_fd_.Reset();
}

Status LayoutDestination::CheckOpen(const char* what) const {
  if (closed_) return Internal(describe_ + ": " + what + " after Commit");
  return {};
}

Result<bool> LayoutDestination::HasBlob(const Digest& digest, uint64_t size) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("HasBlob"));
  struct stat st;
  if (::fstatat(dirs_->sha256.get(), digest.Hex().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return Status::FromErrno(describe_ + ": stat " + BlobPath(digest), errno);
  }
  // Anything else by that name is replaced when the blob is written.
  return S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == size;
}

Result<std::unique_ptr<BlobWriter>> LayoutDestination::StartBlob(std::string media_type, BlobExpectation expected) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("StartBlob"));
  const std::string name = std::string(kBlobTempPrefix) + RandomSuffix();
  UniqueFd fd(::openat(dirs_->root.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno(describe_ + ": create " + name, errno);
  return std::unique_ptr<BlobWriter>(
      std::make_unique<LayoutBlobWriter>(dirs_, name, std::move(fd), std::move(media_type), std::move(expected)));
}

Status LayoutDestination::PutManifest(const Descriptor& desc, ByteView bytes) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("PutManifest"));
  if (!IsManifestType(desc.media_type) && !IsIndexType(desc.media_type)) {
    return InvalidArgument(describe_ + ": PutManifest: '" + desc.media_type + "' is not a manifest or index type");
  }
  if (desc.size != bytes.size() || desc.digest != Digest::Of(bytes)) {
    return InvalidArgument(describe_ + ": PutManifest: the descriptor of " + desc.digest.ToString() +
                           " does not describe the bytes given");
  }
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, StartBlob(desc.media_type, {desc.digest, desc.size}));
  OCITREE_RETURN_IF_ERROR(writer->Write(bytes));
  OCITREE_RETURN_IF_ERROR(writer->Commit().status());
  manifests_[desc.digest] = desc;
  return {};
}

Status LayoutDestination::Commit(const Descriptor& top_level) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("Commit"));
  closed_ = true;
  auto it = manifests_.find(top_level.digest);
  if (it == manifests_.end() || it->second.size != top_level.size ||
      it->second.media_type != top_level.media_type) {
    return InvalidArgument(describe_ + ": Commit: " + top_level.digest.ToString() + " (" + top_level.media_type +
                           ") was not stored with PutManifest");
  }
  if (dirs_->durable) {
    // The renames of every blob are on disk before index.json names them.
    OCITREE_RETURN_IF_ERROR(Sync(dirs_->sha256.get(), describe_ + ": blobs/sha256"));
  }
  // Read again now: add to the index as it is, not as it was at Open.
  Bytes current;
  Result<Bytes> read = ReadFileBeneath(dirs_->root.get(), kIndexFile, kMaxJsonSize);
  if (read.ok()) {
    current = std::move(*read);
  } else if (read.status().code() != ErrorCode::kNotFound) {
    return read.status().WithContext(describe_);
  }
  Result<Bytes> updated = AddToLayoutIndex(current, top_level, tag_);
  if (!updated.ok()) return updated.status().WithContext(describe_);
  OCITREE_RETURN_IF_ERROR(
      WriteFileAtomically(dirs_->root.get(), std::string(kIndexFile), *updated, 0644, dirs_->durable)
          .WithContext(describe_));
  if (dirs_->durable) OCITREE_RETURN_IF_ERROR(Sync(dirs_->root.get(), describe_));
  committed_ = true;
  return {};
}

}  // namespace ocitree::oci
