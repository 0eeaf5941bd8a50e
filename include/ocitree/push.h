// Commits out to OCI images.
//
//   PushOptions options;  options.reconstruct = true;
//   OCITREE_ASSIGN_OR_RETURN(PushResult r, PushImage(repo, "ocitree/image/web", "oci:/srv/out:web", options));
#ifndef OCITREE_PUSH_H_
#define OCITREE_PUSH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ocitree/repo.h"
#include "ocitree/status.h"

namespace ocitree {

struct PushProgress {
  size_t layer = 0;           // 1-based index of the layer being written
  size_t layers = 0;
  uint64_t layer_bytes = 0;   // uncompressed bytes of this layer produced so far
  uint64_t layer_size = 0;    // its uncompressed size, when known (0 if not)
};

struct PushOptions {
  // Rebuild an image pulled with layered storage as it was: the original
  // config bytes, every layer tar byte for byte (same diff_ids), compressed
  // again as its media type says.
  bool reconstruct = false;
  std::function<void(const PushProgress&)> on_progress;  // called often; keep it cheap
};

struct PushedLayer {
  std::string diff_id;
  std::string media_type;
  std::string original_digest;  // the blob the image was pulled from
  std::string digest;           // the blob written
  uint64_t size = 0;
  bool existed = false;         // the destination had it already
};

struct PushResult {
  std::string destination;      // as given
  std::string manifest_digest;
  std::string config_digest;
  // The manifest written is the original one, byte for byte: every layer
  // compressed to its original digest (uncompressed layers always do).
  bool manifest_identical = false;
  std::vector<PushedLayer> layers;
};

// Writes `rev` (a branch or commit) to `image` (oci:DIR[:TAG],
// oci-archive:FILE[:TAG]). Only `reconstruct` is implemented so far: `rev`
// must be an image commit pulled with layered storage.
Result<PushResult> PushImage(const Repo& repo, std::string_view rev, std::string_view image,
                             const PushOptions& options);

}  // namespace ocitree

#endif  // OCITREE_PUSH_H_
