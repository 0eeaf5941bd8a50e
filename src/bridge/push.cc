// PushImage: the library entry point for writing commits out as images.
#include "ocitree/push.h"

#include "bridge/reconstruct.h"
#include "oci/image_destination.h"
#include "oci/image_reference.h"

namespace ocitree {

Result<PushResult> PushImage(const Repo& repo, std::string_view rev, std::string_view image,
                             const PushOptions& options) {
  if (!options.reconstruct)
    return Unsupported("pushing a commit as a new image is not implemented yet; --reconstruct rebuilds a pulled image");
  OCITREE_ASSIGN_OR_RETURN(std::string hex, repo.ResolveRev(rev));
  OCITREE_ASSIGN_OR_RETURN(Checksum commit, Checksum::FromHex(hex));
  OCITREE_ASSIGN_OR_RETURN(oci::ImageReference ref, oci::ImageReference::Parse(image));
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<oci::ImageDestination> dest, oci::OpenImageDestination(ref));
  auto result = ReconstructImage(repo.store(), commit, *dest, options);
  if (!result.ok()) return result.status().WithContext("reconstructing " + std::string(rev) + " to " + dest->Describe());
  result->destination = std::string(image);
  return result;
}

}  // namespace ocitree
