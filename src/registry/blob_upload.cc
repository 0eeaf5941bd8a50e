#include "registry/blob_upload.h"

#include "base/log.h"
#include "registry/registry_endpoint.h"
#include "registry/registry_errors.h"
#include "registry/url.h"

namespace ocitree::registry {

namespace {

constexpr const char* kOctetStream = "Content-Type: application/octet-stream";

std::string UploadsPath(std::string_view repository) {
  return "/v2/" + std::string(repository) + "/blobs/uploads/";
}

// "0-1234" (or "bytes=0-1234", as some registries spell it) -> 1234.
std::optional<uint64_t> RangeEnd(std::string_view range) {
  if (range.starts_with("bytes=")) range.remove_prefix(6);
  size_t dash = range.find('-');
  if (dash == std::string_view::npos || dash + 1 >= range.size() || range.size() - dash - 1 > 19) return std::nullopt;
  uint64_t end = 0;
  for (char c : range.substr(dash + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    end = end * 10 + static_cast<uint64_t>(c - '0');
  }
  return end;
}

}  // namespace

std::string PushScope(std::string_view repository) { return "repository:" + std::string(repository) + ":pull,push"; }

std::string WithDigestQuery(const std::string& location, const oci::Digest& digest) {
  std::string base = location;
  std::string fragment;
  if (size_t hash = base.find('#'); hash != std::string::npos) {
    fragment = base.substr(hash);
    base.resize(hash);
  }
  char sep = '?';
  if (size_t q = base.find('?'); q != std::string::npos) sep = q + 1 == base.size() || base.back() == '&' ? 0 : '&';
  if (sep) base.push_back(sep);
  return base + "digest=" + QueryEscape(digest.ToString()) + fragment;
}

std::string BlobUpload::BlobName(const oci::Digest* digest) const {
  return describe_ + ": blob " + (digest ? digest->ToString() : std::string("upload"));
}

Result<std::string> BlobUpload::SessionUrl(const HttpStream& answer, const std::string& what) {
  std::string location = answer.Header("location");
  if (location.empty()) {
    return Status::Error(ErrorCode::kIo, what + ": the registry answered HTTP " + std::to_string(answer.status()) +
                                             " without the Location of the upload");
  }
  Result<std::string> url = client_->ResolveLocation(answer.url(), location);
  if (!url.ok()) return url.status().WithContext(what + ": upload Location");
  return url;
}

Result<bool> BlobUpload::Exists(const oci::Digest& digest, std::optional<uint64_t> size) {
  std::string what = BlobName(&digest) + ": HEAD";
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s,
                           client_->Request("HEAD", BlobPath(client_->repository(), digest), {}, {}, what));
  long status = s->status();
  if (status == 404) return false;
  if (status != 200) return HttpStatusError(status, s->ReadErrorBody(), what);
  std::optional<uint64_t> length = s->ContentLength();
  if (size && length && *length != *size) {
    LogDebug(what + ": the registry's blob has " + std::to_string(*length) + " bytes, not " + std::to_string(*size));
    return false;
  }
  return true;
}

Result<bool> BlobUpload::Mount(const oci::Digest& digest, const std::string& from, std::string* session) {
  session->clear();
  std::string what = BlobName(&digest) + ": mount from " + from;
  std::string path = UploadsPath(client_->repository()) + "?mount=" + QueryEscape(digest.ToString()) +
                     "&from=" + QueryEscape(from);
  client_->AddScope("repository:" + from + ":pull");
  Result<std::unique_ptr<HttpStream>> sent = client_->Request("POST", path, {kOctetStream}, {}, what);
  if (!sent.ok()) {
    LogDebug(what + " failed, uploading instead: " + sent.status().message());
    return false;
  }
  std::unique_ptr<HttpStream> s = std::move(*sent);
  long status = s->status();
  s->ReadErrorBody();
  if (status == 201) return true;
  if (status == 202) {
    Result<std::string> url = SessionUrl(*s, what);
    if (url.ok()) *session = std::move(*url);
    return false;
  }
  LogDebug(what + ": HTTP " + std::to_string(status) + ", uploading instead");
  return false;
}

Result<std::string> BlobUpload::Start() {
  std::string what = describe_ + ": starting a blob upload";
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s,
                           client_->Request("POST", UploadsPath(client_->repository()), {kOctetStream}, {}, what));
  long status = s->status();
  std::string body = s->ReadErrorBody();
  if (status == 405) {
    return Status::Error(ErrorCode::kIo, HttpStatusError(status, body, what).message() +
                                             " (the registry takes no uploads: read-only, or a mirror)");
  }
  if (status != 202) return HttpStatusError(status, body, what);
  return SessionUrl(*s, what);
}

Status BlobUpload::Patch(std::string* session, uint64_t offset, ByteView data) {
  if (data.empty()) return {};
  uint64_t end = offset + data.size() - 1;
  std::string what = BlobName(nullptr) + ": sending bytes " + std::to_string(offset) + "-" + std::to_string(end);
  std::vector<std::string> headers = {kOctetStream,
                                      "Content-Range: " + std::to_string(offset) + "-" + std::to_string(end)};
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s, client_->Request("PATCH", *session, headers, data, what));
  long status = s->status();
  std::string body = s->ReadErrorBody();
  if (status == 416) {
    return Status::Error(ErrorCode::kIo, what + ": " + DescribeHttpFailure(status, body) +
                                             " (the registry holds " + s->Header("range") +
                                             " of the upload, not what was sent before)");
  }
  if (status != 202) return HttpStatusError(status, body, what);
  std::string range = s->Header("range");
  if (!range.empty()) {
    std::optional<uint64_t> got = RangeEnd(range);
    if (!got || *got != end) {
      return Status::Error(ErrorCode::kIo, what + ": the registry says it holds bytes '" + range + "', expected 0-" +
                                               std::to_string(end));
    }
  }
  bytes_sent_ += data.size();
  if (!s->Header("location").empty()) {
    OCITREE_ASSIGN_OR_RETURN(*session, SessionUrl(*s, what));
  }
  return {};
}

Status BlobUpload::Finish(const std::string& session, const oci::Digest& digest, ByteView last) {
  std::string what = BlobName(&digest) + ": completing the upload";
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s,
                           client_->Request("PUT", WithDigestQuery(session, digest), {kOctetStream}, last, what));
  long status = s->status();
  std::string body = s->ReadErrorBody();
  if (status < 200 || status > 299) {
    Status error = HttpStatusError(status, body, what);
    for (const RegistryError& e : ParseRegistryErrors(body)) {
      if (e.code == "DIGEST_INVALID") {
        return Status::Error(ErrorCode::kCorrupt, error.message() +
                                                      " (the bytes the registry received do not hash to the digest "
                                                      "they were sent with)");
      }
    }
    return error;
  }
  bytes_sent_ += last.size();
  std::string said = s->Header("docker-content-digest");
  if (!said.empty() && said != digest.ToString()) {
    return Corrupt(what + ": the registry stored the blob as " + said);
  }
  return {};
}

void BlobUpload::Cancel(const std::string& session) {
  std::string what = describe_ + ": cancelling a blob upload";
  Result<std::unique_ptr<HttpStream>> s = client_->Request("DELETE", session, {}, {}, what);
  if (!s.ok()) {
    LogDebug(what + ": " + s.status().message());
    return;
  }
  (*s)->ReadErrorBody();
}

}  // namespace ocitree::registry
