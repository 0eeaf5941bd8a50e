// From a reference's top-level document to the one image to import: follow
// indexes by platform, then read and check the manifest and config.
#ifndef OCITREE_OCI_RESOLVE_H_
#define OCITREE_OCI_RESOLVE_H_

#include <functional>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "oci/descriptor.h"
#include "oci/image_config.h"
#include "oci/image_source.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/platform.h"
#include "ocitree/status.h"

namespace ocitree::oci {

struct ResolvedImage {
  Descriptor manifest_desc;  // digest = the manifest digest to record
  Bytes manifest_bytes;
  Manifest manifest;
  Bytes config_bytes;
  ImageConfig config;
  // The top-level index when the reference named one (nested indexes below
  // it are followed but not kept).
  std::optional<Bytes> index_bytes;
  // ClassifyLayer of each manifest layer, in order.
  std::vector<LayerType> layer_types;
};

// Reads the top-level document; while it is an index (at most
// kMaxIndexDepth deep, which also stops loops), selects the entry for
// `wanted` (platform_match.h) and reads it. Then parses the manifest,
// requires an image config media type and known layer media types
// (kUnsupported otherwise, e.g. for artifacts), reads and parses the
// config, and requires one diff_id per layer (kCorrupt). A single-manifest
// image whose config names another platform is accepted with a warning, as
// containers/image does. Errors carry source.Describe() as context.
// `before_config`, if set, is called with the manifest's fields filled
// (manifest_desc, manifest_bytes, manifest, layer_types, index_bytes) just
// before the config is requested: the caller may start work that needs
// only the manifest.
Result<ResolvedImage> ResolveImage(ImageSource& source, const Platform& wanted,
                                   const std::function<void(const ResolvedImage&)>& before_config = {});

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_RESOLVE_H_
