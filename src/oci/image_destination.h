// Where an image is written: a layout directory, an oci-archive, later a
// registry. The writing side of image_source.h.
//
// A push is: blobs (layers streamed through a BlobWriter, the config with
// PutBlob), then the manifest (and for a multi-platform image, each child
// manifest and then the index) with PutManifest, then Commit, which makes
// the reference's tag name the top-level document. Until Commit nothing the
// reference names changes; a destination dropped without Commit keeps at
// most blobs that nothing names (see each implementation).
//
// A destination and its blob writers are used from one thread at a time.
#ifndef OCITREE_OCI_IMAGE_DESTINATION_H_
#define OCITREE_OCI_IMAGE_DESTINATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/io.h"
#include "oci/descriptor.h"
#include "oci/digest.h"
#include "oci/image_reference.h"
#include "ocitree/status.h"

namespace ocitree::oci {

// What the caller knows about a blob before writing it (when copying one
// whose descriptor it has); checked as the blob is written.
struct BlobExpectation {
  std::optional<Digest> digest;
  std::optional<uint64_t> size;
  // A registry destination: another repository on the same registry that
  // holds this blob ("library/base"), to mount it from instead of
  // uploading it. A hint: if the mount fails the blob is uploaded. Other
  // destinations ignore it.
  std::optional<std::string> mount_from = std::nullopt;
};

struct WrittenBlob {
  // The media type as given; digest and size of the bytes written.
  Descriptor descriptor;
  // The destination had the blob already; nothing new was stored.
  bool existed = false;
};

// One blob being streamed in. Its sha256 and size are computed as it is
// written. Write the bytes, then Commit; a writer destroyed without a
// successful Commit leaves nothing behind.
class BlobWriter : public ByteSink {
 public:
  // Errors are sticky. Writing more than an expected size is kCorrupt at
  // once.
  Status Write(ByteView data) override = 0;
  // Ends the blob and stores it under its digest. A digest or size that
  // differs from the expectation is kCorrupt, and nothing is kept. Once.
  virtual Result<WrittenBlob> Commit() = 0;
  // Bytes written so far.
  virtual uint64_t size() const = 0;
};

class ImageDestination {
 public:
  virtual ~ImageDestination();

  // Whether the destination holds a blob with this digest and size, so a
  // push can skip producing it.
  virtual Result<bool> HasBlob(const Digest& digest, uint64_t size) = 0;

  // Starts a blob (layer, config, anything but manifests and indexes).
  virtual Result<std::unique_ptr<BlobWriter>> StartBlob(std::string media_type,
                                                        BlobExpectation expected = {}) = 0;
  // A small blob in one piece (a config); `expected` as for StartBlob.
  Result<WrittenBlob> PutBlob(std::string media_type, ByteView bytes, BlobExpectation expected = {});

  // Stores a manifest or an index (media type one of those, digest and size
  // those of `bytes`, else kInvalidArgument). Store an index's manifests
  // before the index: registries refuse an index whose manifests they lack.
  virtual Status PutManifest(const Descriptor& desc, ByteView bytes) = 0;

  // Makes the reference name `top_level` (stored with PutManifest, else
  // kInvalidArgument) and publishes the image. Its annotations and platform
  // go into a layout's index.json entry. Called once; the destination
  // takes no more calls after it, whether it succeeded or not.
  virtual Status Commit(const Descriptor& top_level) = 0;

  // For messages: "oci:/srv/images:v1".
  virtual std::string Describe() const = 0;
};

// How a registry destination is made, supplied by whoever links the
// registry client (as RegistrySourceOpener in image_source.h).
using RegistryDestinationOpener =
    std::function<Result<std::unique_ptr<ImageDestination>>(const ImageReference& ref)>;

// oci: and oci-archive: destinations; docker:// through `open_registry`, and
// kUnsupported without one.
Result<std::unique_ptr<ImageDestination>> OpenImageDestination(
    const ImageReference& ref, const RegistryDestinationOpener& open_registry = {});

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_IMAGE_DESTINATION_H_
