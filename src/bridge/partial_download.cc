#include "bridge/partial_download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/direct_appender.h"
#include "base/fs_util.h"
#include "base/log.h"
#include "oci/verifying_reader.h"

namespace ocitree {

namespace {

constexpr char kDir[] = "tmp/ocitree-downloads";
// Breaks in one blob's transfer that are bridged by asking again from where
// it stopped; each must have brought at least one new byte.
constexpr int kMaxResumes = 5;

std::string FileName(const oci::Digest& digest) { return "sha256-" + digest.sha256().Hex(); }

}  // namespace

// Hands out the kept bytes, then the source's from where they end, writing
// those to the file as they pass. Not verifying: VerifyingReader wraps it.
class ResumingReader : public ByteReader {
 public:
  // `direct` is `file` opened with O_DIRECT, or invalid.
  ResumingReader(PartialDownloads& owner, oci::ImageSource& source, const oci::Descriptor& desc, UniqueFd file,
                 UniqueFd direct, uint64_t kept)
      : owner_(owner), source_(source), desc_(desc), file_(std::move(file)), direct_(std::move(direct)), kept_(kept) {}
  // What arrived is written out, so the next pull can go on from it.
  ~ResumingReader() override {
    if (appender_) {
      Status finished = appender_->Finish();
      if (!finished.ok()) CannotKeep(finished.message());
    }
  }

  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (buf.empty() || pos_ >= desc_.size) return size_t{0};
    if (pos_ < kept_) return ReadKept(buf);
    for (int breaks = 0;; breaks++) {
      if (!remote_) {
        OCITREE_ASSIGN_OR_RETURN(remote_, source_.OpenBlobRange(desc_, pos_));
        opened_at_ = pos_;
      }
      Result<size_t> n = remote_->Read(buf);
      if (n.ok()) {
        Keep(buf.first(*n));
        return n;
      }
      // A broken transfer that made progress is worth one more request.
      remote_.reset();
      if (n.status().code() != ErrorCode::kIo || breaks >= kMaxResumes || pos_ == opened_at_) return n.status();
      LogWarning(desc_.digest.ToString() + ": transfer broke off at byte " + std::to_string(pos_) +
                 "; asking for the rest (" + n.status().message() + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * (breaks + 1)));
    }
  }

  // The bytes were wrong: the next pull must not trust the file.
  void Discard() {
    appender_.reset();  // what it still holds is dropped
    if (file_.valid() && ftruncate(file_.get(), 0) != 0) LogWarning("cannot empty a partial download: " + desc_.digest.ToString());
  }
  uint64_t kept() const { return kept_; }

 private:
  Result<size_t> ReadKept(std::span<uint8_t> buf) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), kept_ - pos_));
    ssize_t n;
    do {
      n = pread(file_.get(), buf.data(), want, static_cast<off_t>(pos_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Status::FromErrno("read the partial download of " + desc_.digest.ToString(), errno);
    if (n == 0) return Corrupt("the partial download of " + desc_.digest.ToString() + " shrank while being read");
    pos_ += static_cast<uint64_t>(n);
    owner_.resumed_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

  // A failure to keep bytes costs a later resume, not this pull. The bytes
  // are written by a DirectAppender: on a thread of their own and, where the
  // filesystem allows, around the page cache (they are read again only after
  // an interruption, and the transaction's syncfs need not write them).
  void Keep(std::span<const uint8_t> data) {
    owner_.downloaded_ += data.size();
    if (file_.valid()) {
      if (!appender_) {
        appender_ = std::make_unique<DirectAppender>(file_.get(), std::move(direct_), pos_,
                                                     std::string(kDir) + "/" + FileName(desc_.digest));
      }
      Status kept = appender_->Append(data);
      if (!kept.ok()) {
        // The appender has cut the file to a correct prefix.
        appender_.reset();
        CannotKeep(kept.message());
      }
    }
    pos_ += data.size();
  }

  void CannotKeep(const std::string& why) {
    LogWarning("cannot keep the download of " + desc_.digest.ToString() + " (" + why +
               "); an interrupted pull will fetch it again");
    file_.Reset();
  }

  PartialDownloads& owner_;
  oci::ImageSource& source_;
  oci::Descriptor desc_;
  UniqueFd file_;    // flock'ed; invalid when the bytes are not kept
  UniqueFd direct_;  // handed to appender_
  uint64_t kept_;    // bytes the file held when opened
  uint64_t pos_ = 0;
  uint64_t opened_at_ = 0;
  std::unique_ptr<ByteReader> remote_;
  std::unique_ptr<DirectAppender> appender_;  // writes file_ from kept_ on, once bytes arrive
};

namespace {

// Empties the resuming reader's file when verification fails.
class CheckedDownload : public ByteReader {
 public:
  CheckedDownload(ResumingReader* inner, std::unique_ptr<ByteReader> verifying)
      : inner_(inner), verifying_(std::move(verifying)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    Result<size_t> n = verifying_->Read(buf);
    if (n.ok() || n.status().code() != ErrorCode::kCorrupt) return n;
    inner_->Discard();
    if (inner_->kept() == 0) return n;
    return Status::Error(n.status().code(), n.status().message() + " (" + std::to_string(inner_->kept()) +
                                         " bytes came from an interrupted earlier pull; they were discarded, so "
                                         "pulling again downloads the whole blob)");
  }

 private:
  ResumingReader* inner_;  // owned by verifying_
  std::unique_ptr<ByteReader> verifying_;
};

}  // namespace

Result<std::unique_ptr<PartialDownloads>> PartialDownloads::Open(const ObjectStore& store) {
  OCITREE_RETURN_IF_ERROR(MakeDirs(store.dirfd(), kDir, 0755));
  UniqueFd dir(openat(store.dirfd(), kDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return Status::FromErrno("open " + store.path() + "/" + kDir, errno);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dir.get()));
  const auto now = std::chrono::system_clock::now();
  for (const std::string& name : names) {
    UniqueFd fd(openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st;
    if (!fd.valid() || flock(fd.get(), LOCK_EX | LOCK_NB) != 0 || fstat(fd.get(), &st) != 0) continue;
    auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
    if (now - modified > kPartialDownloadExpiry) unlinkat(dir.get(), name.c_str(), 0);
  }
  return std::unique_ptr<PartialDownloads>(new PartialDownloads(std::move(dir)));
}

Result<std::unique_ptr<ByteReader>> PartialDownloads::OpenBlob(oci::ImageSource& source,
                                                               const oci::Descriptor& desc) {
  const std::string name = FileName(desc.digest);
  UniqueFd file(openat(dir_.get(), name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  uint64_t kept = 0;
  if (!file.valid()) {
    LogWarning("cannot keep the download of " + desc.digest.ToString() + ": " + strerror(errno));
  } else if (flock(file.get(), LOCK_EX | LOCK_NB) != 0) {
    file.Reset();  // another pull is filling it; do without
  } else {
    struct stat st;
    if (fstat(file.get(), &st) != 0) return Status::FromErrno("stat the partial download " + name, errno);
    kept = static_cast<uint64_t>(st.st_size);
    if (kept > desc.size) {
      kept = 0;
      if (ftruncate(file.get(), 0) != 0) return Status::FromErrno("empty the partial download " + name, errno);
    }
  }
  UniqueFd direct;
  if (file.valid()) {
    // The same file, for writes around the page cache; a filesystem without
    // O_DIRECT (EINVAL) gets ordinary writes.
    direct.Reset(openat(dir_.get(), name.c_str(), O_WRONLY | O_DIRECT | O_NOFOLLOW | O_CLOEXEC));
  }
  auto resuming = std::make_unique<ResumingReader>(*this, source, desc, std::move(file), std::move(direct), kept);
  ResumingReader* inner = resuming.get();
  auto verifying = std::make_unique<oci::VerifyingReader>(std::move(resuming), desc.digest, desc.size,
                                                          source.Describe() + ": blob " + desc.digest.ToString());
  return std::unique_ptr<ByteReader>(new CheckedDownload(inner, std::move(verifying)));
}

bool PartialDownloads::HasKept(const ObjectStore& store, const oci::Digest& digest) {
  struct stat st;
  std::string path = std::string(kDir) + "/" + FileName(digest);
  return fstatat(store.dirfd(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size > 0;
}

void PartialDownloads::Forget(const oci::Digest& digest) {
  const std::string name = FileName(digest);
  UniqueFd fd(openat(dir_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  // A file another pull is filling stays.
  if (fd.valid() && flock(fd.get(), LOCK_EX | LOCK_NB) == 0) unlinkat(dir_.get(), name.c_str(), 0);
}

}  // namespace ocitree
