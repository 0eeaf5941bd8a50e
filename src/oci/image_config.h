// The image configuration blob (OCI image config / Docker container image
// v1): platform, creation time, labels and the diff_ids of the layers, kept
// as the exact bytes (the ImageID is their digest).
#ifndef OCITREE_OCI_IMAGE_CONFIG_H_
#define OCITREE_OCI_IMAGE_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "oci/digest.h"
#include "oci/platform.h"
#include "ocitree/status.h"

namespace ocitree::oci {

struct HistoryEntry {
  std::optional<int64_t> created;  // seconds since the epoch
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;  // true: this step added no layer / diff_id
};

struct ImageConfig {
  Bytes raw;
  std::string architecture;  // GOARCH
  std::string os;
  std::string variant;
  std::string os_version;
  std::optional<int64_t> created;  // RFC 3339 in the document, fractions dropped
  std::string author;
  // rootfs.diff_ids: sha256 of each uncompressed layer tar, base first.
  std::vector<Digest> diff_ids;
  std::map<std::string, std::string> labels;  // config.Labels
  std::vector<HistoryEntry> history;

  Platform platform() const { return {os, architecture, variant, os_version}; }
  Digest digest() const { return Digest::Of(raw); }

  // Takes the bytes. Required: architecture, os, rootfs with type "layers"
  // and diff_ids (at most kMaxEntries). The history is kept as written and
  // not matched against diff_ids: builders disagree on empty_layer.
  static Result<ImageConfig> Parse(Bytes bytes);
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_IMAGE_CONFIG_H_
