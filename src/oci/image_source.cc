#include "oci/image_source.h"

#include "oci/archive_source.h"
#include "oci/layout_source.h"
#include "oci/limits.h"

namespace ocitree::oci {

ImageSource::~ImageSource() = default;

Result<std::unique_ptr<ByteReader>> ImageSource::OpenBlobRange(const Descriptor& desc, uint64_t) {
  return Unsupported(Describe() + ": " + desc.digest.ToString() + ": reading from an offset is not supported");
}

Result<Bytes> ImageSource::ReadSmallBlob(const Descriptor& desc) {
  std::string name = Describe() + ": " + desc.digest.ToString();
  if (desc.size > kMaxJsonSize) {
    return Unsupported(name + ": " + std::to_string(desc.size) + " bytes is over the " +
                       std::to_string(kMaxJsonSize) + "-byte limit for manifests and configs");
  }
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> reader, OpenBlob(desc));
  Bytes out(static_cast<size_t>(desc.size));
  OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(*reader, out));
  // The verifying reader checks at its end, so read until it says so.
  uint8_t extra;
  OCITREE_ASSIGN_OR_RETURN(size_t more, reader->Read({&extra, 1}));
  if (n != out.size() || more != 0) return Internal(name + ": blob reader did not verify the size");
  return out;
}

Result<std::unique_ptr<ImageSource>> OpenImageSource(const ImageReference& ref,
                                                     const RegistrySourceOpener& open_registry) {
  switch (ref.transport) {
    case Transport::kOciLayout: {
      OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<LayoutSource> source, LayoutSource::Open(ref.path, ref.tag));
      return std::unique_ptr<ImageSource>(std::move(source));
    }
    case Transport::kOciArchive: {
      OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveSource> source, ArchiveSource::Open(ref.path, ref.tag));
      return std::unique_ptr<ImageSource>(std::move(source));
    }
    case Transport::kDocker:
      if (open_registry) return open_registry(ref);
      return Unsupported(ref.ToString() + ": registry pulls come with the registry issue");
  }
  return Internal("unknown transport");
}

}  // namespace ocitree::oci
