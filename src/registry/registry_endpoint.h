// Where the distribution API of a registry lives, and the paths of its
// manifests, blobs and tag lists (FORMATS.md 6.1). Docker Hub is named
// docker.io in references and auth files but serves the API from
// registry-1.docker.io.
#ifndef OCITREE_REGISTRY_REGISTRY_ENDPOINT_H_
#define OCITREE_REGISTRY_REGISTRY_ENDPOINT_H_

#include <string>
#include <string_view>

#include "oci/digest.h"
#include "oci/image_reference.h"

namespace ocitree::registry {

// "docker.io" (and index.docker.io) -> "registry-1.docker.io"; any other
// registry is its own API host ("localhost:5000", "[::1]:5000").
std::string ApiHost(std::string_view registry);

// "https://registry-1.docker.io" for scheme "https" and registry docker.io.
std::string BaseUrl(std::string_view scheme, std::string_view registry);

// The tag, or the digest when the reference has one.
std::string ManifestReference(const oci::ImageReference& ref);

std::string ManifestPath(std::string_view repository, std::string_view tag_or_digest);
std::string BlobPath(std::string_view repository, const oci::Digest& digest);
std::string TagsPath(std::string_view repository);

// "Accept: ..." for manifests, in containers/image's order: OCI manifest,
// Docker v2 schema 2, Docker schema 1 (signed and not: asked for so that an
// old image gets a clear "unsupported" instead of a 404), Docker manifest
// list, OCI index. Registries do not convert between OCI and Docker types
// (PEERS.md), so every type must be listed.
std::string ManifestAcceptHeader();

// The token scope for pulling: "repository:library/alpine:pull".
std::string PullScope(std::string_view repository);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_REGISTRY_ENDPOINT_H_
