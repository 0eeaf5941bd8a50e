// Where an image's documents and blobs come from: a layout directory, an
// oci-archive, later a registry. Everything a source hands out is checked
// against the digest and size that named it.
#ifndef OCITREE_OCI_IMAGE_SOURCE_H_
#define OCITREE_OCI_IMAGE_SOURCE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "base/io.h"
#include "oci/descriptor.h"
#include "oci/image_reference.h"
#include "ocitree/status.h"

namespace ocitree::oci {

class ImageSource {
 public:
  virtual ~ImageSource();

  // The top-level manifest or index the reference names (by tag for
  // layouts), with its descriptor; the bytes are verified against it.
  virtual Result<std::pair<Descriptor, Bytes>> GetTopLevel() = 0;

  // A blob (manifest, config or layer) checked against the descriptor while
  // it streams: the reader fails with kCorrupt once the byte count exceeds
  // desc.size, or at the end if the count or sha256 differ. Read it until it
  // returns 0, or nothing was verified. The reader may not outlive the
  // source.
  virtual Result<std::unique_ptr<ByteReader>> OpenBlob(const Descriptor& desc) = 0;

  // The blob's raw bytes from `offset` to its end, NOT verified: the caller
  // holds the bytes before `offset` and checks them all. Sources that are
  // expensive to read again (registries) implement it so that an
  // interrupted download can go on where it stopped; the rest answer
  // kUnsupported.
  virtual Result<std::unique_ptr<ByteReader>> OpenBlobRange(const Descriptor& desc, uint64_t offset);

  // Whether blobs come over the network (a pull keeps what it downloads
  // under the repository's tmp/, partial_download.h). Local files are not
  // worth a second copy.
  virtual bool IsRemote() const { return false; }

  // A hint that `desc` is about to be opened from its first byte. A remote
  // source may send the request now, so that waiting for its answer
  // overlaps the caller's next steps; sources that answer at once ignore it.
  virtual void Prefetch(const Descriptor& desc) { (void)desc; }

  // A small blob (manifest, index, config) read whole and verified; larger
  // than kMaxJsonSize is kUnsupported before anything is read.
  Result<Bytes> ReadSmallBlob(const Descriptor& desc);

  // For messages: "oci:/srv/images:v1".
  virtual std::string Describe() const = 0;
};

// How a registry source is made, supplied by whoever links the registry
// client (src/registry sits beside src/oci, so it cannot be called from
// here; the caller passes it in with its TLS and auth settings bound).
using RegistrySourceOpener =
    std::function<Result<std::unique_ptr<ImageSource>>(const ImageReference& ref)>;

// oci: and oci-archive: sources; docker:// through `open_registry`, and
// kUnsupported without one.
Result<std::unique_ptr<ImageSource>> OpenImageSource(const ImageReference& ref,
                                                     const RegistrySourceOpener& open_registry = {});

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_IMAGE_SOURCE_H_
