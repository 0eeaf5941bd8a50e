// OCI images in a repository: pulling them in, listing what was pulled.
//
//   PullOptions options;  options.branch = "apps/web";
//   OCITREE_ASSIGN_OR_RETURN(PullResult r, PullImage(repo, "oci:/srv/layout:web", options));
#ifndef OCITREE_IMAGE_H_
#define OCITREE_IMAGE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ocitree/hooks.h"
#include "ocitree/registry_options.h"
#include "ocitree/repo.h"
#include "ocitree/status.h"

namespace ocitree {

// Layers are read several at a time; this sums them up.
struct PullProgress {
  size_t layers = 0;         // layers of the image
  size_t layers_done = 0;    // read, or found in the repository
  uint64_t bytes = 0;        // compressed bytes read so far, all layers
  uint64_t total_bytes = 0;  // compressed size of the layers that must be read
  uint64_t bytes_resumed = 0;  // of `bytes`: read back from an interrupted pull's download
  uint64_t entries = 0;      // tar entries of the layers read so far
};

enum class Storage {
  kLayered,    // each layer a commit of its own, shared between images
  kFlattened,  // one commit with the squashed content, nothing else kept
};

struct PullOptions {
  Storage storage = Storage::kLayered;
  std::string branch;    // default: derived from the reference, "ocitree/image/..."
  std::string platform;  // "os/arch[/variant]"; default: this machine's
  ImportHooks hooks;
  // Called often, from the threads that read layers (one call at a time);
  // keep it cheap.
  std::function<void(const PullProgress&)> on_progress;
  // Layers read at once; 0: as many as the machine has cores (2 to 4). An
  // entry hook always reads one at a time, so it sees entries in order.
  size_t max_parallel_layers = 0;
  // docker:// references: credentials, TLS, connections and retries.
  RegistryOptions registry;
};

struct PullResult {
  std::string branch;
  std::string commit;
  std::string manifest_digest;
  bool up_to_date = false;  // the branch already held this image: nothing was written
  // The image carried an ostree commit (ocitree push) and its tree matched:
  // the branch holds that commit, identical (`commit` is its checksum).
  bool commit_restored = false;
  size_t layers = 0;
  size_t layers_reused = 0;      // layers already in the repo: their blobs were not read
  uint64_t bytes_read = 0;       // compressed layer bytes read
  uint64_t bytes_resumed = 0;    // of those, kept from an interrupted earlier pull (not downloaded again)
  uint64_t files_written = 0;    // new content objects
  uint64_t files_existing = 0;   // content the repo already had
  uint64_t special_skipped = 0;  // device nodes and fifos left out
  uint64_t whiteouts = 0;        // lower entries removed by whiteouts
  uint64_t recipe_bytes = 0;     // size of the layer recipes stored (layered storage)
};

struct ImageInfo {
  std::string branch;
  std::string commit;
  std::string reference;
  std::string manifest_digest;
  std::string architecture;
  std::string storage;  // "layered" or "flattened"
  std::vector<std::string> diff_ids;
  size_t layers = 0;
  uint64_t compressed_size = 0;  // sum of the manifest's layer sizes
  uint64_t created = 0;
};

// Pulls `image` (oci:DIR[:TAG], oci-archive:FILE[:TAG],
// docker://HOST[:PORT]/NAME[:TAG|@DIGEST]) into one commit on the branch: all
// layers applied in order. From a registry, layers are downloaded in
// parallel and kept under the repository's tmp/ until they land, so an
// interrupted pull resumes where it stopped. Everything is checked while it streams
// (sizes, digests, diff_ids); on any error no ref moves.
Result<PullResult> PullImage(Repo& repo, std::string_view image, const PullOptions& options);

// Space that only one ref (with what goes away with it) holds.
struct SpaceUse {
  std::string name;      // a branch, or a layer ref
  uint64_t bytes = 0;    // object file sizes
  uint64_t objects = 0;
  size_t layers = 0;     // for branches: layers its images list
};

struct ImagePruneReport {
  // Layer refs (and their recipe refs) no image commit lists, and record
  // refs of restored commits their branch no longer holds: removed, or that
  // would be with dry_run.
  std::vector<std::string> layer_refs_removed;
  PruneReport objects;
  // With dry_run only. Per branch: what deleting it (and then pruning)
  // would free, its layers included unless another branch lists them too.
  std::vector<SpaceUse> branches;
  // Per layer ref in layer_refs_removed: what removing it frees.
  std::vector<SpaceUse> layers;
};

// Prune that knows about images: first drops the layer refs that no image
// commit (on any branch, in any commit of its history) lists, then deletes
// every object no remaining ref reaches. All under the exclusive lock.
Result<ImagePruneReport> PruneImages(Repo& repo, const PruneOptions& options);

// Every branch whose commit is a pulled image.
Result<std::vector<ImageInfo>> ListImages(const Repo& repo);

}  // namespace ocitree

#endif  // OCITREE_IMAGE_H_
