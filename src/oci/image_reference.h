// Image references as skopeo spells them:
//
//   oci:DIR[:TAG]            an OCI image layout directory
//   oci-archive:FILE[:TAG]   the same layout in a tar file
//   docker://[HOST[:PORT]/]NAME[:TAG|@sha256:HEX]   a registry
//
// oci, oci-archive: the last ':' starts the tag only if what follows it has
// no '/', so "oci:/srv/a:b/c" is the directory "/srv/a:b/c" with no tag, and
// "oci:dir:v1" is "dir" tagged "v1". (containers/image splits at the first
// ':' instead; the last one lets directory names contain ':', at the price
// of tags that contain ':' or '/'.) A tag uses [A-Za-z0-9._+@-]. No tag
// means "the only image in the layout", or an error listing the tags.
//
// docker: Docker Hub rules (distribution/reference): a first component that
// contains '.' or ':', is "localhost", or has uppercase letters is a host,
// otherwise the host is docker.io; single names on docker.io get "library/";
// index.docker.io is docker.io; no tag and no digest means ":latest". A tag
// and a digest together are refused, as containers/image does.
#ifndef OCITREE_OCI_IMAGE_REFERENCE_H_
#define OCITREE_OCI_IMAGE_REFERENCE_H_

#include <optional>
#include <string>
#include <string_view>

#include "oci/digest.h"
#include "ocitree/status.h"

namespace ocitree::oci {

enum class Transport { kOciLayout, kOciArchive, kDocker };

// "oci", "oci-archive", "docker".
std::string_view TransportName(Transport transport);

// The prefix of every branch EscapedBranch derives.
inline constexpr std::string_view kImageBranchPrefix = "ocitree/image/";

struct ImageReference {
  Transport transport = Transport::kOciLayout;
  // oci, oci-archive: the directory or file, exactly as given.
  std::string path;
  // oci, oci-archive: "" for "the only image". docker: the tag, "" when
  // `digest` is set.
  std::string tag;
  // docker: "docker.io", "quay.io", "localhost:5000", "[::1]:5000".
  std::string registry;
  // docker: the repository path on the registry, e.g. "library/alpine".
  std::string repository;
  // docker: set for NAME@sha256:HEX.
  std::optional<Digest> digest;

  static Result<ImageReference> Parse(std::string_view text);

  // The canonical spelling: docker references fully qualified
  // ("docker://docker.io/library/alpine:latest"). Parse(ToString()) gives
  // back the same reference for everything Parse produced.
  std::string ToString() const;

  // The default branch for this image: kImageBranchPrefix followed by
  // ToString() escaped into one ref component (ref_escape.h). Fails only when
  // the escaped reference is longer than a file name may be; pick a branch.
  Result<std::string> EscapedBranch() const;
  // Inverts EscapedBranch.
  static Result<ImageReference> FromBranch(std::string_view branch);

  friend bool operator==(const ImageReference&, const ImageReference&) = default;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_IMAGE_REFERENCE_H_
