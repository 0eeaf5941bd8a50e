#include "oci/image_destination.h"

#include "oci/archive_destination.h"
#include "oci/layout_destination.h"

namespace ocitree::oci {

ImageDestination::~ImageDestination() = default;

Result<WrittenBlob> ImageDestination::PutBlob(std::string media_type, ByteView bytes, BlobExpectation expected) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, StartBlob(std::move(media_type), std::move(expected)));
  OCITREE_RETURN_IF_ERROR(writer->Write(bytes));
  return writer->Commit();
}

Result<std::unique_ptr<ImageDestination>> OpenImageDestination(const ImageReference& ref,
                                                               const RegistryDestinationOpener& open_registry) {
  switch (ref.transport) {
    case Transport::kOciLayout: {
      OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<LayoutDestination> dest, LayoutDestination::Open(ref.path, ref.tag));
      return std::unique_ptr<ImageDestination>(std::move(dest));
    }
    case Transport::kOciArchive: {
      OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveDestination> dest,
                               ArchiveDestination::Open(ref.path, ref.tag));
      return std::unique_ptr<ImageDestination>(std::move(dest));
    }
    case Transport::kDocker:
      if (open_registry) return open_registry(ref);
      return Unsupported(ref.ToString() + ": pushing to registries comes with the registry issue");
  }
  return Internal("unknown transport");
}

}  // namespace ocitree::oci
