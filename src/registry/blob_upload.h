// The blob half of the distribution spec's push protocol (FORMATS.md 6.1),
// one request per call, for one repository: HEAD a blob, mount it from
// another repository, open an upload session, send a chunk, close the
// session with the digest, cancel it. Sessions are named by the Location
// the registry last gave (relative or absolute, perhaps with a query of
// its own), which every call takes and the chunk call updates.
#ifndef OCITREE_REGISTRY_BLOB_UPLOAD_H_
#define OCITREE_REGISTRY_BLOB_UPLOAD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "oci/digest.h"
#include "ocitree/status.h"
#include "registry/registry_client.h"

namespace ocitree::registry {

// "repository:NAME:pull,push".
std::string PushScope(std::string_view repository);

// `location` with "digest=DIGEST" added to its query (after the registry's
// own parameters, which are kept).
std::string WithDigestQuery(const std::string& location, const oci::Digest& digest);

class BlobUpload {
 public:
  // `describe` names the destination in messages ("docker://host/name:tag").
  BlobUpload(RegistryClient* client, std::string describe) : client_(client), describe_(std::move(describe)) {}

  // HEAD /v2/NAME/blobs/DIGEST: 200 (with the size, when the registry says
  // it, equal to `size`) is true, 404 false, anything else an error.
  Result<bool> Exists(const oci::Digest& digest, std::optional<uint64_t> size);

  // POST /v2/NAME/blobs/uploads/?mount=DIGEST&from=FROM. 201: mounted (true).
  // 202: the registry could not and opened an upload session instead,
  // whose URL goes to `*session` (false). Any other answer, or no answer,
  // is false with no session: the caller uploads the usual way.
  Result<bool> Mount(const oci::Digest& digest, const std::string& from, std::string* session);

  // POST /v2/NAME/blobs/uploads/: the session's URL (202 + Location).
  Result<std::string> Start();

  // PATCH SESSION with bytes [offset, offset + data.size()) of the blob
  // (Content-Range); 202 moves `*session` to the Location given. A Range
  // answer that does not end where this chunk did is an error.
  Status Patch(std::string* session, uint64_t offset, ByteView data);

  // PUT SESSION?digest=DIGEST with the last bytes (may be none): 201 ends
  // the upload. The registry's DIGEST_INVALID (the bytes it got hash to
  // something else) and the like come back as errors naming the blob.
  Status Finish(const std::string& session, const oci::Digest& digest, ByteView last);

  // DELETE SESSION, best effort: an abandoned upload is not left open.
  void Cancel(const std::string& session);

  // Bytes sent as blob data so far (chunks and final PUTs).
  uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  std::string BlobName(const oci::Digest* digest) const;
  // The session's absolute URL from a Location answered to `request_url`.
  Result<std::string> SessionUrl(const HttpStream& answer, const std::string& what);

  RegistryClient* client_;
  std::string describe_;
  uint64_t bytes_sent_ = 0;
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_BLOB_UPLOAD_H_
