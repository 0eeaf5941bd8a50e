// Commits out to OCI images.
//
//   PushOptions options;  options.max_layers = 8;
//   OCITREE_ASSIGN_OR_RETURN(PushResult r, PushImage(repo, "os/main", "oci:/srv/out:v1", options));
//
// Without `reconstruct`, the commit's tree becomes ordinary layer tars and
// the image carries the commit object and its detached metadata, so that
// pulling it back gives the identical commit (docs/ARCHITECTURE.md, "Pushing
// a commit").
#ifndef OCITREE_PUSH_H_
#define OCITREE_PUSH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ocitree/registry_options.h"
#include "ocitree/repo.h"
#include "ocitree/status.h"

namespace ocitree {

struct PushProgress {
  size_t layer = 0;           // 1-based index of the layer being written
  size_t layers = 0;
  uint64_t layer_bytes = 0;   // uncompressed bytes of this layer produced so far
  uint64_t layer_size = 0;    // its uncompressed size, when known (0 if not)
  uint64_t entries = 0;       // export: tree entries written so far, all layers
  uint64_t total_entries = 0; // export: entries of the whole tree
  // export: the layer's digest is being computed before it is sent (to a
  // registry, so that a blob it has is not uploaded again)
  bool digest_pass = false;
};

enum class PushCompression { kGzip, kZstd, kNone };

struct PushOptions {
  // Rebuild an image pulled with layered storage as it was: the original
  // config bytes, every layer tar byte for byte (same diff_ids), compressed
  // again as its media type says.
  bool reconstruct = false;
  // Export (not reconstruct): layer compression, at fixed settings (gzip:
  // ISA-L level 1; zstd: level 3), so the same commit gives the same blobs.
  PushCompression compression = PushCompression::kGzip;
  // Export: content split over up to this many layers by a stable rule (the
  // SHA-256 of each path picks its layer), so that changing one file changes
  // one layer. 1..kMaxPushLayers.
  size_t max_layers = 1;
  // Export: "os/arch[/variant]" for the config; default: the commit's
  // ostree.architecture, else this machine's.
  std::string platform;
  std::function<void(const PushProgress&)> on_progress;  // called often; keep it cheap
  // Credentials, TLS and retries for docker:// destinations.
  RegistryOptions registry;
};

inline constexpr size_t kMaxPushLayers = 100;

struct PushedLayer {
  std::string diff_id;
  std::string media_type;
  std::string original_digest;  // reconstruct: the blob the image was pulled from
  uint64_t tar_size = 0;        // export: bytes of the uncompressed tar
  uint64_t entries = 0;         // export: tar entries (directories repeated as ancestors included)
  std::string digest;           // the blob written
  uint64_t size = 0;
  bool existed = false;         // the destination had it already
};

struct PushResult {
  std::string destination;      // as given
  std::string manifest_digest;
  std::string config_digest;
  std::string commit;           // the commit pushed
  std::string platform;         // export: os/arch[/variant] written in the config
  // Export: things the image cannot carry exactly (e.g. an empty xattr
  // value); pulling it back then falls back to a new image commit.
  std::vector<std::string> warnings;
  // The manifest written is the original one, byte for byte: every layer
  // compressed to its original digest (uncompressed layers always do).
  bool manifest_identical = false;
  std::vector<PushedLayer> layers;
};

// Writes `rev` (a branch or commit) to `image` (oci:DIR[:TAG],
// oci-archive:FILE[:TAG], docker://...): its tree as layer tars (export),
// or with `reconstruct` the image it was pulled from (layered storage).
Result<PushResult> PushImage(const Repo& repo, std::string_view rev, std::string_view image,
                             const PushOptions& options);

}  // namespace ocitree

#endif  // OCITREE_PUSH_H_
