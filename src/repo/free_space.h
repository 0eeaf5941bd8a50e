// The free-space reserve of a repository, as libostree keeps it: the repo
// config's `[core] min-free-space-size` ("500MB", "2GB", "1TB": units of
// 2^20, 2^30, 2^40 bytes) or `[core] min-free-space-percent` (0-99 of the
// file system's size; 3 when neither key is set). When both are set and the
// size is not zero, the size wins. "0MB" or 0 turn the reserve off.
//
// Like libostree, a transaction takes the free blocks once when it begins
// (f_bfree for root, f_bavail otherwise), subtracts the reserve, and then
// charges every content object size/f_bsize + 1 blocks before writing it,
// crediting them back when the object turns out to exist already. Metadata
// objects are not charged (libostree exempts them too: they are small and
// what lets a full repository be cleaned up). Unlike libostree, the free
// blocks are measured again after every kRefreshBytes charged, so that
// writers running beside this one are seen without a statvfs per object.
#ifndef OCITREE_REPO_FREE_SPACE_H_
#define OCITREE_REPO_FREE_SPACE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "ocitree/status.h"

namespace ocitree {

struct FreeSpaceConfig {
  uint64_t min_free_space_mb = 0;     // from min-free-space-size, in MiB
  uint32_t min_free_space_percent = 3;
  bool percent_is_default = true;     // neither key was in the config
  bool enabled() const { return min_free_space_mb > 0 || min_free_space_percent > 0; }
  // "min-free-space-size 500MB" or "min-free-space-percent '3%'", as
  // libostree names the limit in its errors.
  std::string Describe() const;
};

// Reads the two keys from the [core] section of a repo config; errors are
// worded like libostree's ("Invalid min-free-space-size '5XB': ...").
Result<FreeSpaceConfig> ParseFreeSpaceConfig(const std::map<std::string, std::string>& core);

// What statvfs says, reduced to what the reserve needs.
struct FsUsage {
  uint64_t block_size = 0;   // f_bsize
  uint64_t total_bytes = 0;  // f_frsize * f_blocks
  uint64_t free_blocks = 0;  // f_bfree for root, f_bavail otherwise
};
using StatFsFunction = std::function<Result<FsUsage>(int fd)>;
// fstatvfs(2) on `fd`.
Result<FsUsage> StatFs(int fd);

// "4.2 MB": bytes in SI units with one decimal, as GLib's g_format_size.
std::string FormatSize(uint64_t bytes);

// The budget of one transaction. Thread-safe.
class FreeSpaceReserve {
 public:
  static constexpr uint64_t kRefreshBytes = uint64_t{64} << 20;

  FreeSpaceReserve(FreeSpaceConfig config, int fd, StatFsFunction statfs = StatFs)
      : config_(config), fd_(fd), statfs_(std::move(statfs)) {}

  // Measures the file system; call once before any Charge.
  Status Start();
  struct Ticket {
    uint64_t blocks = 0;
    uint64_t generation = 0;  // of the measurement the blocks came from
  };
  // Charges a content object of `bytes` payload bytes; returns what Credit
  // needs, or the error that the reserve would be exceeded.
  Result<Ticket> Charge(uint64_t bytes);
  // Gives back the blocks of an object that was not written after all
  // (nothing when the free space was measured again since).
  void Credit(const Ticket& ticket);

  uint64_t reserved_bytes() const { return reserved_bytes_; }

 private:
  Status Measure();  // with mu_ held

  const FreeSpaceConfig config_;
  const int fd_;
  const StatFsFunction statfs_;
  std::mutex mu_;
  uint64_t block_size_ = 0;
  uint64_t reserved_bytes_ = 0;
  uint64_t max_blocks_ = 0;        // blocks left to charge above the reserve
  uint64_t charged_since_stat_ = 0;  // bytes
  uint64_t generation_ = 0;          // measurements taken
};

}  // namespace ocitree

#endif  // OCITREE_REPO_FREE_SPACE_H_
