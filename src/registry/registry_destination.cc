#include "registry/registry_destination.h"

#include <algorithm>
#include <set>

#include "base/checksum.h"
#include "base/log.h"
#include "oci/media_types.h"
#include "registry/registry_endpoint.h"
#include "registry/registry_errors.h"

namespace ocitree::registry {

namespace {

// Mount sources tried per blob: each failed try costs a request.
constexpr size_t kMaxMountTries = 3;

}  // namespace

struct RegistryDestination::Shared {
  Shared(std::unique_ptr<RegistryClient> c, std::string d, DestinationSettings s)
      : client(std::move(c)), upload(client.get(), d), settings(std::move(s)), describe(std::move(d)) {}

  // The blob is in this repository now: remember it for later mounts.
  void Record(const oci::Digest& digest) {
    if (settings.locations) settings.locations->Record(digest, client->registry(), client->repository());
  }

  // Tries to mount `digest` from `hint` and from the repositories known to
  // hold it. True: mounted. False: not, and `*session` may hold the upload
  // session the last try's 202 opened.
  Result<bool> TryMounts(const oci::Digest& digest, const std::optional<std::string>& hint, std::string* session) {
    std::vector<std::string> from;
    if (hint && !hint->empty() && *hint != client->repository()) from.push_back(*hint);
    if (settings.locations) {
      std::vector<std::string> known =
          settings.locations->Find(digest, client->registry(), client->repository(), kMaxMountTries);
      for (std::string& r : known) {
        if (std::find(from.begin(), from.end(), r) == from.end()) from.push_back(std::move(r));
      }
    }
    if (from.size() > kMaxMountTries) from.resize(kMaxMountTries);
    session->clear();
    for (const std::string& repo : from) {
      if (!session->empty()) upload.Cancel(*session);
      OCITREE_ASSIGN_OR_RETURN(bool mounted, upload.Mount(digest, repo, session));
      if (mounted) {
        LogDebug(describe + ": blob " + digest.ToString() + " mounted from " + repo);
        Record(digest);
        return true;
      }
    }
    return false;
  }

  std::unique_ptr<RegistryClient> client;
  BlobUpload upload;
  DestinationSettings settings;
  std::string describe;
  // Digests HasBlob just found missing: StartBlob for one of them goes
  // straight to the mounts instead of asking again.
  std::set<std::pair<oci::Digest, uint64_t>> absent;
};

namespace {

class RegistryBlobWriter : public oci::BlobWriter {
 public:
  RegistryBlobWriter(std::shared_ptr<RegistryDestination::Shared> shared, std::string media_type,
                     oci::BlobExpectation expected)
      : shared_(std::move(shared)), media_type_(std::move(media_type)), expected_(std::move(expected)) {}

  ~RegistryBlobWriter() override { Abandon(); }

  // With the digest known up front: a blob the repository has, or can
  // mount, is only hashed from here on.
  Status Prepare() {
    if (!expected_.digest) return {};
    checked_ = true;
    bool exists = false;
    bool tried_mounts = false;
    if (!expected_.size || shared_->absent.erase({*expected_.digest, *expected_.size}) == 0) {
      OCITREE_ASSIGN_OR_RETURN(exists, shared_->upload.Exists(*expected_.digest, expected_.size));
    } else {
      tried_mounts = !expected_.mount_from;  // HasBlob tried the remembered ones
    }
    if (!exists && !tried_mounts) {
      OCITREE_ASSIGN_OR_RETURN(exists, shared_->TryMounts(*expected_.digest, expected_.mount_from, &session_));
    }
    skip_ = exists;
    return {};
  }

  Status Write(ByteView data) override {
    if (done_) return Internal(shared_->describe + ": blob Write after Commit");
    if (!error_.ok()) return error_;
    if (expected_.size && data.size() > *expected_.size - size_) {
      return Fail(Corrupt(shared_->describe + ": blob is larger than the expected " +
                          std::to_string(*expected_.size) + " bytes"));
    }
    hash_.Update(data);
    size_ += data.size();
    if (skip_) return {};
    const size_t chunk = std::max<size_t>(1, shared_->settings.chunk_size);
    while (!data.empty()) {
      // A full chunk goes out only once more bytes follow it: a blob that
      // fits in one chunk is sent (or not) when its digest is known.
      if (buffer_.size() >= chunk) {
        Status s = Flush();
        if (!s.ok()) return Fail(s);
      }
      size_t take = std::min(chunk - buffer_.size(), data.size());
      buffer_.insert(buffer_.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
    }
    return {};
  }

  Result<oci::WrittenBlob> Commit() override {
    if (done_) return Internal(shared_->describe + ": blob committed twice");
    done_ = true;
    if (!error_.ok()) return error_;
    oci::WrittenBlob out;
    out.descriptor.media_type = media_type_;
    out.descriptor.digest = oci::Digest(hash_.Finish());
    out.descriptor.size = size_;
    const oci::Digest& digest = out.descriptor.digest;
    if (expected_.size && *expected_.size != size_) {
      Abandon();
      return Corrupt(shared_->describe + ": blob has " + std::to_string(size_) + " bytes, expected " +
                     std::to_string(*expected_.size));
    }
    if (expected_.digest && *expected_.digest != digest) {
      Abandon();
      return Corrupt(shared_->describe + ": blob has digest " + digest.ToString() + ", expected " +
                     expected_.digest->ToString());
    }
    if (!skip_ && !checked_ && sent_ == 0 && session_.empty()) {
      // Nothing sent yet: the registry may have it, here or elsewhere.
      OCITREE_ASSIGN_OR_RETURN(skip_, shared_->upload.Exists(digest, size_));
      if (!skip_) {
        OCITREE_ASSIGN_OR_RETURN(skip_, shared_->TryMounts(digest, expected_.mount_from, &session_));
      }
    }
    if (skip_) {
      Abandon();  // a session a failed mount opened
      out.existed = true;
      shared_->Record(digest);
      return out;
    }
    if (session_.empty()) {
      OCITREE_ASSIGN_OR_RETURN(session_, shared_->upload.Start());
    }
    std::string session = std::move(session_);
    session_.clear();  // a failed PUT leaves a session not worth a DELETE
    OCITREE_RETURN_IF_ERROR(shared_->upload.Finish(session, digest, buffer_));
    buffer_.clear();
    buffer_.shrink_to_fit();
    shared_->Record(digest);
    return out;
  }

  uint64_t size() const override { return size_; }

 private:
  Status Fail(Status s) {
    error_ = s;
    return s;
  }

  Status Flush() {
    if (session_.empty()) {
      Result<std::string> started = shared_->upload.Start();
      if (!started.ok()) return started.status();
      session_ = std::move(*started);
    }
    Status s = shared_->upload.Patch(&session_, sent_, buffer_);
    if (!s.ok()) {
      session_.clear();
      return s;
    }
    sent_ += buffer_.size();
    buffer_.clear();
    return {};
  }

  // Cancels an open session: dropped writers leave no upload behind.
  void Abandon() {
    if (!session_.empty()) shared_->upload.Cancel(session_);
    session_.clear();
  }

  std::shared_ptr<RegistryDestination::Shared> shared_;
  std::string media_type_;
  oci::BlobExpectation expected_;
  Sha256 hash_;
  uint64_t size_ = 0;
  uint64_t sent_ = 0;      // bytes sent by PATCH
  Bytes buffer_;           // bytes not sent yet, at most one chunk
  std::string session_;    // the upload session's URL, "" before one is open
  bool skip_ = false;      // the registry has the blob: nothing to send
  bool checked_ = false;   // HEAD and mounts were tried at Prepare
  bool done_ = false;
  Status error_;
};

}  // namespace

Result<std::unique_ptr<RegistryDestination>> RegistryDestination::Open(const oci::ImageReference& ref,
                                                                       const RegistryOptions& options,
                                                                       std::shared_ptr<RegistrySession> session,
                                                                       DestinationSettings settings) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client, OpenRegistryClient(ref, options, std::move(session)));
  client->AddScope(PushScope(ref.repository));
  auto shared = std::make_shared<Shared>(std::move(client), ref.ToString(), std::move(settings));
  return std::unique_ptr<RegistryDestination>(new RegistryDestination(ref, std::move(shared)));
}

RegistryDestination::~RegistryDestination() {
  if (shared_->settings.locations) shared_->settings.locations->Save();
}

uint64_t RegistryDestination::bytes_sent() const { return shared_->upload.bytes_sent(); }

Status RegistryDestination::CheckOpen(const char* what) const {
  if (closed_) return Internal(Describe() + ": " + what + " after Commit");
  return {};
}

Result<bool> RegistryDestination::HasBlob(const oci::Digest& digest, uint64_t size) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("HasBlob"));
  OCITREE_ASSIGN_OR_RETURN(bool exists, shared_->upload.Exists(digest, size));
  if (exists) {
    shared_->Record(digest);
    return true;
  }
  // Mounted now, it is here: the caller need not produce it at all.
  std::string session;
  OCITREE_ASSIGN_OR_RETURN(bool mounted, shared_->TryMounts(digest, std::nullopt, &session));
  if (!session.empty()) shared_->upload.Cancel(session);
  if (!mounted) shared_->absent.insert({digest, size});
  return mounted;
}

Result<std::unique_ptr<oci::BlobWriter>> RegistryDestination::StartBlob(std::string media_type,
                                                                        oci::BlobExpectation expected) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("StartBlob"));
  auto writer = std::make_unique<RegistryBlobWriter>(shared_, std::move(media_type), std::move(expected));
  OCITREE_RETURN_IF_ERROR(writer->Prepare());
  return std::unique_ptr<oci::BlobWriter>(std::move(writer));
}

Status RegistryDestination::PutManifest(const oci::Descriptor& desc, ByteView bytes) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("PutManifest"));
  if (!oci::IsManifestType(desc.media_type) && !oci::IsIndexType(desc.media_type)) {
    return InvalidArgument(Describe() + ": PutManifest: '" + desc.media_type + "' is not a manifest or index type");
  }
  if (desc.size != bytes.size() || desc.digest != oci::Digest::Of(bytes)) {
    return InvalidArgument(Describe() + ": PutManifest: the descriptor of " + desc.digest.ToString() +
                           " does not describe the bytes given");
  }
  RegistryClient& client = *shared_->client;
  std::string path = ManifestPath(client.repository(), desc.digest.ToString());
  std::string what = Describe() + ": manifest " + desc.digest.ToString();
  // A registry that has the manifest by digest has exactly these bytes.
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> head,
                           client.Request("HEAD", path, {"Accept: " + desc.media_type}, {}, what));
  bool exists = head->status() == 200;
  head.reset();
  if (!exists) {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s,
                             client.Request("PUT", path, {"Content-Type: " + desc.media_type}, bytes, what));
    std::string body = s->ReadErrorBody();
    if (s->status() < 200 || s->status() > 299) return HttpStatusError(s->status(), body, what);
    std::string said = s->Header("docker-content-digest");
    if (!said.empty() && said != desc.digest.ToString()) {
      return Corrupt(what + ": the registry stored it as " + said);
    }
  }
  manifests_[desc.digest] = {desc, Bytes(bytes.begin(), bytes.end())};
  return {};
}

Status RegistryDestination::Commit(const oci::Descriptor& top_level) {
  OCITREE_RETURN_IF_ERROR(CheckOpen("Commit"));
  closed_ = true;
  auto it = manifests_.find(top_level.digest);
  if (it == manifests_.end() || it->second.first.size != top_level.size ||
      it->second.first.media_type != top_level.media_type) {
    return InvalidArgument(Describe() + ": Commit: " + top_level.digest.ToString() + " (" + top_level.media_type +
                           ") was not stored with PutManifest");
  }
  if (ref_.digest) {
    // Stored by digest already: nothing to name.
    if (*ref_.digest != top_level.digest) {
      return InvalidArgument(Describe() + ": the reference names digest " + ref_.digest->ToString() +
                             ", but the image pushed is " + top_level.digest.ToString());
    }
    return {};
  }
  RegistryClient& client = *shared_->client;
  std::string tag = ManifestReference(ref_);
  std::string what = Describe() + ": tagging manifest " + top_level.digest.ToString() + " as " + tag;
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s,
                           client.Request("PUT", ManifestPath(client.repository(), tag),
                                          {"Content-Type: " + top_level.media_type}, it->second.second, what));
  std::string body = s->ReadErrorBody();
  if (s->status() < 200 || s->status() > 299) return HttpStatusError(s->status(), body, what);
  std::string said = s->Header("docker-content-digest");
  if (!said.empty() && said != top_level.digest.ToString()) {
    return Corrupt(what + ": the registry says the tag now names " + said);
  }
  return {};
}

oci::RegistryDestinationOpener MakeRegistryDestinationOpener(const RegistryOptions& options) {
  auto session = std::make_shared<RegistrySession>();
  auto locations = std::make_shared<BlobLocations>(options.blob_locations_file);
  return [options, session, locations](const oci::ImageReference& ref)
             -> Result<std::unique_ptr<oci::ImageDestination>> {
    DestinationSettings settings;
    settings.locations = locations;
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<RegistryDestination> dest,
                             RegistryDestination::Open(ref, options, session, std::move(settings)));
    return std::unique_ptr<oci::ImageDestination>(std::move(dest));
  };
}

}  // namespace ocitree::registry
