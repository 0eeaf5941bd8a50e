// A docker:// reference as an ImageSource: manifests and blobs pulled from a
// registry over the distribution API (registry_client.h), each checked
// against its digest and size while it streams.
#ifndef OCITREE_REGISTRY_REGISTRY_SOURCE_H_
#define OCITREE_REGISTRY_REGISTRY_SOURCE_H_

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oci/image_reference.h"
#include "oci/image_source.h"
#include "ocitree/registry_options.h"
#include "registry/blob_reader.h"
#include "registry/registry_client.h"

namespace ocitree::registry {

class RegistrySource : public oci::ImageSource {
 public:
  // Finds the credentials (auth_file.h) and TLS settings (tls_config.h) for
  // the reference's registry; nothing is sent yet. Sources opened with the
  // same `session` share connections' caches and tokens; null: a new one.
  static Result<std::unique_ptr<RegistrySource>> Open(const oci::ImageReference& ref,
                                                      const RegistryOptions& options,
                                                      std::shared_ptr<RegistrySession> session = nullptr);
  // Cancels the requests still in flight (an early blob request nobody
  // took, its read-ahead), so a stalled registry cannot hold up the end of
  // a pull that has failed. Readers opened from this source must be gone.
  ~RegistrySource() override;

  // The manifest or index the tag or digest names. By digest, the bytes must
  // hash to it; by tag, the digest is computed from the bytes and a
  // Docker-Content-Digest header, when sent, must agree. Docker schema 1 is
  // kUnsupported; a missing manifest kNotFound; more than kMaxJsonSize bytes
  // kUnsupported, found while receiving.
  Result<std::pair<oci::Descriptor, Bytes>> GetTopLevel() override;

  // Manifests and indexes (by media type) come from /manifests/, the rest
  // from /blobs/; checked against desc while streaming.
  Result<std::unique_ptr<ByteReader>> OpenBlob(const oci::Descriptor& desc) override;

  // The blob's raw bytes from `offset` to its end, NOT verified (the caller
  // holds the bytes before `offset` and hashes them all), but never more
  // than desc.size - offset of them (kCorrupt past that). Sends
  // "Range: bytes=OFFSET-"; a registry that ignores it costs the skipped
  // bytes, not correctness. A transfer that breaks off is kIo; open again
  // from where it stopped. The reader's own errors do not name the blob: the
  // caller's VerifyingReader (or its message) does.
  Result<std::unique_ptr<ByteReader>> OpenBlobRange(const oci::Descriptor& desc, uint64_t offset) override;
  bool IsRemote() const override { return true; }

  // Sends the GET of a layer blob (from byte 0) on a thread of its own, so
  // that the registry's time to answer overlaps the caller's next requests
  // and work. The next OpenBlob or OpenBlobRange of that blob from byte 0
  // takes the answer (if it failed, it asks again); one never taken is
  // dropped with the source. Documents, a blob already prefetched, and a
  // time when fewer than two connection slots are free (the caller's next
  // request must not wait behind it) are ignored.
  void Prefetch(const oci::Descriptor& desc) override;

  // Every tag of the repository (GET /v2/NAME/tags/list, following Link
  // pages), as the registry orders them. kUnsupported only when the registry
  // refuses to list them (403, or 404 for the endpoint), which skopeo
  // inspect tolerates; a malformed or endless list is kCorrupt.
  Result<std::vector<std::string>> ListTags();

  // "docker://registry/repository:tag".
  std::string Describe() const override;

  // Body bytes received so far by every request of this source (manifests,
  // blobs, tokens, error bodies): what was really fetched.
  uint64_t bytes_received() const { return client_->bytes_received(); }

 private:
  RegistrySource(oci::ImageReference ref, std::unique_ptr<RegistryClient> client, int max_connections)
      : ref_(std::move(ref)), client_(std::move(client)), slots_(max_connections) {}
  // OpenBlobRange; the reader's own errors are prefixed with `reader_name`
  // ("" when a VerifyingReader around it names the blob already).
  Result<std::unique_ptr<ByteReader>> OpenRange(const oci::Descriptor& desc, uint64_t offset,
                                                bool name_reader);

  Result<std::unique_ptr<ByteReader>> OpenWithPermit(const oci::Descriptor& desc, uint64_t offset,
                                                     bool name_reader,
                                                     std::unique_ptr<ConnectionSlots::Permit> permit);
  // The answer of a Prefetch of `desc`, waited for, if there was one.
  std::optional<Result<std::unique_ptr<ByteReader>>> TakePrefetched(const oci::Descriptor& desc);

  oci::ImageReference ref_;
  std::unique_ptr<RegistryClient> client_;
  ConnectionSlots slots_;
  // Declared last: destroyed first, each waiting for its request to end.
  std::mutex prefetch_mu_;
  std::map<std::string, std::future<Result<std::unique_ptr<ByteReader>>>> prefetched_;  // by digest and size
};

// What PullImage and `ocitree inspect` pass to OpenImageSource for docker://
// references; every source it opens shares one RegistrySession.
oci::RegistrySourceOpener MakeRegistrySourceOpener(const RegistryOptions& options);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_REGISTRY_SOURCE_H_
