#include "oci/media_types.h"

#include <string>

namespace ocitree::oci {

bool IsManifestType(std::string_view t) { return t == kOciManifestType || t == kDockerManifestType; }
bool IsIndexType(std::string_view t) { return t == kOciIndexType || t == kDockerManifestListType; }
bool IsImageConfigType(std::string_view t) { return t == kOciConfigType || t == kDockerConfigType; }
bool IsDockerSchema1Type(std::string_view t) {
  return t == kDockerSchema1Type || t == kDockerSchema1SignedType;
}

Result<LayerType> ClassifyLayer(std::string_view media_type) {
  struct Known {
    std::string_view type;
    Compression compression;
    bool nondistributable;
  };
  static constexpr Known kKnown[] = {
      {kOciLayerTar, Compression::kNone, false},
      {kOciLayerGzip, Compression::kGzip, false},
      {kOciLayerZstd, Compression::kZstd, false},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar", Compression::kNone, true},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Compression::kGzip, true},
      {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Compression::kZstd, true},
      {kDockerLayerGzip, Compression::kGzip, false},
      {"application/vnd.docker.image.rootfs.diff.tar", Compression::kNone, false},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Compression::kGzip, true},
      {"application/vnd.docker.image.rootfs.foreign.diff.tar", Compression::kNone, true},
  };
  for (const Known& k : kKnown) {
    if (k.type == media_type) return LayerType{k.compression, k.nondistributable};
  }
  return Unsupported("layer media type '" + std::string(media_type.substr(0, 100)) +
                     "' is not a known tar layer type");
}

}  // namespace ocitree::oci
