// A docker:// reference as an ImageDestination: blobs and manifests pushed
// to a registry over the distribution API (blob_upload.h), with the
// repository's pull and push scope in every token.
//
//   - HasBlob: HEAD of the blob (with the size, when the registry gives it);
//     if missing, a mount from a repository known to hold it (below), so
//     the caller need not produce it; a StartBlob that then gives that
//     digest does not ask again.
//   - StartBlob streams the blob, whose digest is known only at the end:
//     bytes are hashed and gathered into chunks of at most `chunk_size`
//     (8 MiB); the first full chunk opens an upload session (POST) and each
//     full chunk is sent with PATCH, so memory stays bounded and nothing is
//     spooled to disk; Commit sends the rest with PUT ?digest=. A blob that
//     ends inside its first chunk is not sent before its digest is known:
//     Commit first asks whether the repository has it (HEAD), then tries to
//     mount it from another repository of the registry, and only then
//     uploads it (POST + PUT). When the caller gives the digest up front
//     (BlobExpectation), the same checks happen at StartBlob, so a large
//     blob the registry has is only hashed, never sent.
//   - Mounts are tried from BlobExpectation::mount_from and from the
//     repositories of this registry that BlobLocations remembers holding
//     the blob (every blob pushed or found is recorded there); 201 is done,
//     202 continues with the upload session the registry opened.
//   - PutManifest stores each manifest by digest (PUT /v2/NAME/manifests/
//     DIGEST, Content-Type its media type), skipping one the registry has;
//     Commit checks the top-level one was stored and then PUTs it by the
//     reference's tag (by digest references: must be that digest), so a
//     push that fails on the way leaves the tag untouched.
#ifndef OCITREE_REGISTRY_REGISTRY_DESTINATION_H_
#define OCITREE_REGISTRY_REGISTRY_DESTINATION_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "oci/image_destination.h"
#include "oci/image_reference.h"
#include "ocitree/registry_options.h"
#include "registry/blob_locations.h"
#include "registry/blob_upload.h"
#include "registry/registry_client.h"

namespace ocitree::registry {

inline constexpr size_t kDefaultUploadChunk = 8u << 20;

struct DestinationSettings {
  // Bytes buffered per blob writer and sent per PATCH.
  size_t chunk_size = kDefaultUploadChunk;
  // Where blobs were seen (shared by the destinations of one opener); null:
  // nothing remembered.
  std::shared_ptr<BlobLocations> locations;
};

class RegistryDestination : public oci::ImageDestination {
 public:
  // Finds credentials and TLS settings for the reference's registry as
  // RegistrySource::Open does; nothing is sent yet.
  static Result<std::unique_ptr<RegistryDestination>> Open(const oci::ImageReference& ref,
                                                           const RegistryOptions& options,
                                                           std::shared_ptr<RegistrySession> session = nullptr,
                                                           DestinationSettings settings = {});

  ~RegistryDestination() override;  // saves the blob locations learnt

  Result<bool> HasBlob(const oci::Digest& digest, uint64_t size) override;
  Result<std::unique_ptr<oci::BlobWriter>> StartBlob(std::string media_type,
                                                     oci::BlobExpectation expected = {}) override;
  Status PutManifest(const oci::Descriptor& desc, ByteView bytes) override;
  Status Commit(const oci::Descriptor& top_level) override;
  std::string Describe() const override { return ref_.ToString(); }

  // Blob bytes sent so far (chunks and final PUTs), for reports and tests.
  uint64_t bytes_sent() const;

  // What a blob writer shares with its destination (internal).
  struct Shared;

 private:
  RegistryDestination(oci::ImageReference ref, std::shared_ptr<Shared> shared)
      : ref_(std::move(ref)), shared_(std::move(shared)) {}
  Status CheckOpen(const char* what) const;

  oci::ImageReference ref_;
  std::shared_ptr<Shared> shared_;
  // Stored by PutManifest, with their bytes (Commit PUTs the top one again
  // by tag).
  std::map<oci::Digest, std::pair<oci::Descriptor, Bytes>> manifests_;
  bool closed_ = false;
};

// What PushImage passes to OpenImageDestination for docker:// references:
// every destination it opens shares one RegistrySession and the blob
// locations file options.blob_locations_file (none: remembered for this run only).
oci::RegistryDestinationOpener MakeRegistryDestinationOpener(const RegistryOptions& options);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_REGISTRY_DESTINATION_H_
