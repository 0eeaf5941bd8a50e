// What an image commit records about the image it came from (DESIGN.md 4):
// the exact manifest and config bytes, the manifest digest, the reference,
// the diff_ids and the storage mode, as commit metadata keys.
#ifndef OCITREE_BRIDGE_IMAGE_METADATA_H_
#define OCITREE_BRIDGE_IMAGE_METADATA_H_

#include <string>
#include <vector>

#include "base/bytes.h"
#include "repo/commit_object.h"

namespace ocitree {

inline constexpr char kMetaReference[] = "ocitree.image.reference";
inline constexpr char kMetaManifest[] = "ocitree.image.manifest";
inline constexpr char kMetaManifestDigest[] = "ocitree.image.manifest-digest";
inline constexpr char kMetaConfig[] = "ocitree.image.config";
inline constexpr char kMetaDiffIds[] = "ocitree.image.diff-ids";
inline constexpr char kMetaStorage[] = "ocitree.image.storage";
inline constexpr char kMetaArchitecture[] = "ostree.architecture";

struct ImageRecord {
  std::string reference;
  std::string manifest;  // exact bytes
  std::string manifest_digest;
  std::string config;  // exact bytes
  std::vector<std::string> diff_ids;
  std::string storage;
  std::string architecture;
};

// The commit metadata for an image; `branch` becomes ostree.ref-binding.
Result<Bytes> BuildImageMetadata(const ImageRecord& record, const std::string& branch);
// Reads the record back; false when the commit is not an image commit.
Result<bool> ReadImageRecord(const CommitObject& commit, ImageRecord* record);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_IMAGE_METADATA_H_
