// Downloads that survive an interruption. While a pull reads a blob from a
// remote source, every byte received is also appended to
// tmp/ocitree-downloads/sha256-<hex> in the repository. When a pull is cut
// off (network error, Ctrl-C, kill -9), the next one reads those bytes back
// and asks the source only for the rest (ImageSource::OpenBlobRange); the
// whole blob is still checked against its digest and size as it streams.
//
// A file is removed once its layer is in the repository (Forget, after the
// transaction commits), or by any later pull once it has not been written to
// for kPartialDownloadExpiry. Each file is flock'ed by the process filling it:
// a second pull of the same blob at the same time downloads without a file
// rather than waiting.
#ifndef OCITREE_BRIDGE_PARTIAL_DOWNLOAD_H_
#define OCITREE_BRIDGE_PARTIAL_DOWNLOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "base/io.h"
#include "oci/descriptor.h"
#include "oci/image_source.h"
#include "repo/object_store.h"

namespace ocitree {

// As long as ostree keeps its own tmp/ entries (tmp-expiry-secs).
inline constexpr std::chrono::hours kPartialDownloadExpiry{24};

class PartialDownloads {
 public:
  // Creates tmp/ocitree-downloads if needed and removes expired files.
  static Result<std::unique_ptr<PartialDownloads>> Open(const ObjectStore& store);

  // Whether an earlier pull kept some of the blob in `store` (OpenBlob will
  // then ask the source only for the rest).
  static bool HasKept(const ObjectStore& store, const oci::Digest& digest);

  // The blob, verified against `desc` while it streams: first what an earlier
  // pull kept, then the rest from `source`, kept as it passes. A transfer
  // that breaks off is opened again where it stopped, a few times, before
  // the read fails. If the bytes turn out wrong, the file is emptied so the
  // next pull starts over.
  Result<std::unique_ptr<ByteReader>> OpenBlob(oci::ImageSource& source, const oci::Descriptor& desc);

  // The blob is safely in the repository: its file goes.
  void Forget(const oci::Digest& digest);
  // The blob's bytes were rejected (they do not decompress or parse): the
  // next pull starts over. Call once its reader is gone.
  void Discard(const oci::Digest& digest) { Forget(digest); }

  // Bytes read back from files of earlier pulls, and bytes received from the
  // source, by every reader opened here so far.
  uint64_t bytes_resumed() const { return resumed_.load(); }
  uint64_t bytes_downloaded() const { return downloaded_.load(); }

 private:
  explicit PartialDownloads(UniqueFd dir) : dir_(std::move(dir)) {}
  friend class ResumingReader;

  UniqueFd dir_;
  std::atomic<uint64_t> resumed_{0};
  std::atomic<uint64_t> downloaded_{0};
};

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_PARTIAL_DOWNLOAD_H_
