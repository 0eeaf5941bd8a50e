// The public image API (include/ocitree/image.h): pull and list.
#include "bridge/commit_restore.h"
#include "bridge/image_metadata.h"
#include "bridge/import.h"
#include "ocitree/image.h"
#include "oci/manifest.h"
#include "registry/registry_source.h"

namespace ocitree {

Result<PullResult> PullImage(Repo& repo, std::string_view image, const PullOptions& options) {
  OCITREE_ASSIGN_OR_RETURN(oci::ImageReference reference, oci::ImageReference::Parse(image));
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<oci::ImageSource> source,
                           oci::OpenImageSource(reference, registry::MakeRegistrySourceOpener(options.registry)));
  auto result = ImportImage(repo.store(), reference, *source, options);
  if (!result.ok()) return result.status().WithContext("pull " + reference.ToString());
  return result;
}

Result<std::vector<ImageInfo>> ListImages(const Repo& repo) {
  const ObjectStore& store = repo.store();
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  std::vector<ImageInfo> out;
  for (const std::string& ref : refs) {
    if (IsRecordRef(ref)) continue;  // listed under its branch
    OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> head, store.ReadRef(ref));
    if (!head) continue;
    auto commit = store.ReadCommit(*head);
    if (!commit.ok()) continue;  // fsck reports broken refs; a listing skips them
    auto image = ReadBranchImage(store, ref, *head);
    if (!image.ok() || !*image) continue;
    const ImageRecord& record = (*image)->record;
    ImageInfo info;
    info.branch = ref;
    info.commit = head->Hex();
    info.reference = record.reference;
    info.manifest_digest = record.manifest_digest;
    info.architecture = record.architecture;
    info.storage = record.storage;
    info.layers = record.diff_ids.size();
    info.diff_ids = record.diff_ids;
    info.created = commit->timestamp;
    auto manifest = oci::Manifest::Parse(Bytes(record.manifest.begin(), record.manifest.end()));
    if (manifest.ok())
      for (const auto& layer : manifest->layers) info.compressed_size += layer.size;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace ocitree
