// PushImage: the library entry point for writing commits out as images.
#include "ocitree/push.h"

#include "bridge/commit_export.h"
#include "bridge/commit_restore.h"
#include "bridge/reconstruct.h"
#include "oci/image_destination.h"
#include "oci/image_reference.h"
#include "registry/registry_destination.h"

namespace ocitree {

namespace {

// For --reconstruct: a branch holding a commit restored from an image keeps
// that image's record on its companion commit (commit_restore.h).
Result<Checksum> ReconstructSource(const Repo& repo, std::string_view rev, const Checksum& commit) {
  auto head = repo.store().ReadRef(rev);
  if (!head.ok() || !*head || **head != commit) return commit;
  OCITREE_ASSIGN_OR_RETURN(std::optional<BranchImage> image, ReadBranchImage(repo.store(), rev, commit));
  return image ? image->record_commit : commit;
}

// Where blobs were seen stays with the repository they were pushed from.
RegistryOptions RegistrySettings(const Repo& repo, const PushOptions& options) {
  RegistryOptions settings = options.registry;
  if (settings.blob_locations_file.empty()) settings.blob_locations_file = repo.store().path() + "/ocitree/blob-locations";
  return settings;
}

}  // namespace

Result<PushResult> PushImage(const Repo& repo, std::string_view rev, std::string_view image,
                             const PushOptions& options) {
  OCITREE_ASSIGN_OR_RETURN(std::string hex, repo.ResolveRev(rev));
  OCITREE_ASSIGN_OR_RETURN(Checksum commit, Checksum::FromHex(hex));
  OCITREE_ASSIGN_OR_RETURN(oci::ImageReference ref, oci::ImageReference::Parse(image));
  if (!options.reconstruct && (options.max_layers < 1 || options.max_layers > kMaxPushLayers))
    return InvalidArgument("--max-layers must be between 1 and " + std::to_string(kMaxPushLayers) + ", not " +
                           std::to_string(options.max_layers));
  OCITREE_ASSIGN_OR_RETURN(
      std::unique_ptr<oci::ImageDestination> dest,
      oci::OpenImageDestination(ref, registry::MakeRegistryDestinationOpener(RegistrySettings(repo, options))));
  Result<PushResult> result = Internal("push did not run");
  if (options.reconstruct) {
    OCITREE_ASSIGN_OR_RETURN(Checksum source, ReconstructSource(repo, rev, commit));
    result = ReconstructImage(repo.store(), source, *dest, options);
    if (!result.ok())
      return result.status().WithContext("reconstructing " + std::string(rev) + " to " + dest->Describe());
  } else {
    ExportSettings settings;
    // A registry upload cannot be taken back: know each layer's digest
    // first, so a blob the registry has is not sent again.
    settings.digest_first = ref.transport == oci::Transport::kDocker;
    result = ExportCommit(repo.store(), commit, *dest, options, settings);
    if (!result.ok())
      return result.status().WithContext("pushing " + std::string(rev) + " (" + hex + ") to " + dest->Describe());
  }
  result->destination = std::string(image);
  if (result->commit.empty()) result->commit = hex;
  return result;
}

}  // namespace ocitree
