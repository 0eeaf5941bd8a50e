#include "registry/registry_endpoint.h"

#include "oci/media_types.h"

namespace ocitree::registry {

std::string ApiHost(std::string_view registry) {
  if (registry == "docker.io" || registry == "index.docker.io") return "registry-1.docker.io";
  return std::string(registry);
}

std::string BaseUrl(std::string_view scheme, std::string_view registry) {
  return std::string(scheme) + "://" + ApiHost(registry);
}

std::string ManifestReference(const oci::ImageReference& ref) {
  if (ref.digest) return ref.digest->ToString();
  return ref.tag.empty() ? "latest" : ref.tag;
}

// Repository names, tags and digests are restricted to characters that
// need no escaping in a URL path (image_reference.h checks them).
std::string ManifestPath(std::string_view repository, std::string_view tag_or_digest) {
  return "/v2/" + std::string(repository) + "/manifests/" + std::string(tag_or_digest);
}

std::string BlobPath(std::string_view repository, const oci::Digest& digest) {
  return "/v2/" + std::string(repository) + "/blobs/" + digest.ToString();
}

std::string TagsPath(std::string_view repository) { return "/v2/" + std::string(repository) + "/tags/list"; }

std::string ManifestAcceptHeader() {
  std::string out = "Accept: ";
  for (std::string_view type : {oci::kOciManifestType, oci::kDockerManifestType, oci::kDockerSchema1SignedType,
                                oci::kDockerSchema1Type, oci::kDockerManifestListType, oci::kOciIndexType}) {
    if (out.size() > 8) out += ", ";
    out += type;
  }
  return out;
}

std::string PullScope(std::string_view repository) { return "repository:" + std::string(repository) + ":pull"; }

}  // namespace ocitree::registry
