// Media types of OCI and Docker v2 schema 2 documents and layers
// (FORMATS.md 5.3, 5.4), and what each means for reading a layer.
#ifndef OCITREE_OCI_MEDIA_TYPES_H_
#define OCITREE_OCI_MEDIA_TYPES_H_

#include <string_view>

#include "compress/decompress.h"
#include "ocitree/status.h"

namespace ocitree::oci {

inline constexpr std::string_view kOciIndexType = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfigType = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayoutHeaderType = "application/vnd.oci.layout.header.v1+json";
inline constexpr std::string_view kOciEmptyType = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

inline constexpr std::string_view kDockerManifestType =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestListType =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfigType = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerSchema1Type =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1SignedType =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// The annotation that names a tag on index.json entries.
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

bool IsManifestType(std::string_view media_type);
bool IsIndexType(std::string_view media_type);
bool IsImageConfigType(std::string_view media_type);
bool IsDockerSchema1Type(std::string_view media_type);

struct LayerType {
  Compression compression = Compression::kNone;
  // Non-distributable / foreign layers: read like any other, but a push must
  // not upload them.
  bool nondistributable = false;
};

// What a layer media type says about the blob: OCI tar, +gzip, +zstd and
// their non-distributable variants, Docker .tar.gzip, the uncompressed .tar
// containers/image writes, and the Docker foreign layers. Anything else is
// kUnsupported: nothing says such a blob is a tar at all. (Readers should
// still confirm the compression by magic: some registries mislabel.)
Result<LayerType> ClassifyLayer(std::string_view media_type);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_MEDIA_TYPES_H_
