// Where blobs were seen on registries, remembered across runs, so that a
// push to one repository can mount a blob from another repository of the
// same registry instead of uploading it again (containers/image keeps a
// blob info cache for the same reason; PEERS.md: skopeo mounts what it
// pushed before).
//
// A small text file, one "DIGEST REGISTRY REPOSITORY" line per location,
// newest last, at most kMaxBlobLocations lines. It is read once and
// rewritten whole (temporary file + rename, under an flock on the file's
// directory), merging what this process learnt into what is there now.
// It is only a hint: a wrong or stale line costs one mount request that
// the registry answers with an upload session, never a wrong image; a file
// that cannot be read or written is ignored (logged at debug level).
#ifndef OCITREE_REGISTRY_BLOB_LOCATIONS_H_
#define OCITREE_REGISTRY_BLOB_LOCATIONS_H_

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.h"

namespace ocitree::registry {

inline constexpr size_t kMaxBlobLocations = 20000;

class BlobLocations {
 public:
  // `path` "" remembers nothing across runs (but still within this one).
  explicit BlobLocations(std::string path);

  // Repositories of `registry` known to hold `digest`, newest first,
  // `exclude` left out, at most `max`.
  std::vector<std::string> Find(const oci::Digest& digest, std::string_view registry, std::string_view exclude,
                                size_t max);

  // `registry`/`repository` holds `digest` (kept in memory until Save).
  void Record(const oci::Digest& digest, std::string_view registry, std::string_view repository);

  // Merges what Record learnt into the file. Best effort.
  void Save();

 private:
  struct Entry {
    std::string digest;  // "sha256:..."
    std::string registry;
    std::string repository;
  };
  void LoadLocked();
  static void Append(std::vector<Entry>& list, Entry e);

  std::string path_;
  std::mutex mu_;
  bool loaded_ = false;
  std::vector<Entry> entries_;  // oldest first
  std::vector<Entry> learnt_;   // since the last Save, oldest first
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_BLOB_LOCATIONS_H_
