// The commit an exported image carries, so that a pull can restore it
// exactly. It rides in the image config's labels (config.Labels), which
// every copy of the image keeps byte for byte (the config blob is never
// rewritten by skopeo, registries or layout tools):
//
//   ostree.commit                     the commit checksum (the key ostree-ext uses)
//   ocitree.commit.object             base64 of the commit object's bytes
//   ocitree.commit.detached-metadata  base64 of its detached metadata
//                                     (.commitmeta: signatures...), when it has any
//
// The manifest also carries ostree.commit as an annotation, for tools that
// look only there.
#ifndef OCITREE_BRIDGE_CARRIED_COMMIT_H_
#define OCITREE_BRIDGE_CARRIED_COMMIT_H_

#include <map>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/checksum.h"
#include "repo/commit_object.h"

namespace ocitree {

inline constexpr char kLabelOstreeCommit[] = "ostree.commit";
inline constexpr char kLabelCommitObject[] = "ocitree.commit.object";
inline constexpr char kLabelDetachedMetadata[] = "ocitree.commit.detached-metadata";

struct CarriedCommit {
  Checksum checksum;
  Bytes object;                   // the commit object, exactly
  CommitObject commit;            // parsed from `object`
  std::optional<Bytes> detached;  // a{sv}, exactly
};

// The labels for `carried` (object and detached bytes, checksum).
std::map<std::string, std::string> CarriedCommitLabels(const Checksum& checksum, ByteView object,
                                                       const std::optional<Bytes>& detached);

// Reads the carried commit back from a config's labels: nullopt when the
// image carries none (no ocitree.commit.object), an error when what it
// carries is broken (bad base64, a commit object that does not parse or whose
// checksum is not ostree.commit, detached metadata that is not a{sv}).
Result<std::optional<CarriedCommit>> ReadCarriedCommit(const std::map<std::string, std::string>& labels);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_CARRIED_COMMIT_H_
