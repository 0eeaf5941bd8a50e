#include "repo/free_space.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <limits>

namespace ocitree {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Digits to a number, saturating like g_ascii_strtoull does on overflow.
uint64_t ParseDigits(std::string_view digits) {
  uint64_t v = 0;
  for (char c : digits) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return kMax;
    v = v * 10 + d;
  }
  return v;
}

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// libostree's ^([0-9]+)(G|M|T)B$, converted to MiB.
Result<uint64_t> ParseSizeMb(const std::string& text) {
  const std::string prefix = "Invalid min-free-space-size '" + text + "': ";
  if (text.size() < 3 || text.back() != 'B')
    return InvalidArgument(prefix + "It should be of the format '123MB', '123GB' or '123TB'");
  const char unit = text[text.size() - 2];
  const std::string_view digits(text.data(), text.size() - 2);
  if (digits.empty() || !AllDigits(digits) || (unit != 'M' && unit != 'G' && unit != 'T'))
    return InvalidArgument(prefix + "It should be of the format '123MB', '123GB' or '123TB'");
  const unsigned shifts = unit == 'M' ? 0 : unit == 'G' ? 10 : 20;
  const uint64_t v = ParseDigits(digits);
  if (shifts > 0 && (v >> (64 - shifts)) != 0) return InvalidArgument(prefix + "Value was too high");
  return v << shifts;
}

}  // namespace

std::string FreeSpaceConfig::Describe() const {
  if (min_free_space_mb > 0) return "min-free-space-size " + std::to_string(min_free_space_mb) + "MB";
  return "min-free-space-percent '" + std::to_string(min_free_space_percent) + "%'";
}

Result<FreeSpaceConfig> ParseFreeSpaceConfig(const std::map<std::string, std::string>& core) {
  FreeSpaceConfig config;
  config.min_free_space_percent = 0;
  config.percent_is_default = false;
  auto size = core.find("min-free-space-size");
  auto percent = core.find("min-free-space-percent");
  if (size != core.end()) {
    OCITREE_ASSIGN_OR_RETURN(config.min_free_space_mb, ParseSizeMb(size->second));
  }
  if (percent != core.end()) {
    const std::string& text = percent->second;
    if (!AllDigits(text))
      return InvalidArgument("Invalid min-free-space-percent '" + text + "': must be a number");
    const uint64_t v = ParseDigits(text);
    if (v > 99) return InvalidArgument("Invalid min-free-space-percent '" + text + "'");
    config.min_free_space_percent = static_cast<uint32_t>(v);
  } else if (size == core.end()) {
    config.min_free_space_percent = 3;  // libostree's default
    config.percent_is_default = true;
  }
  if (config.min_free_space_percent != 0 && config.min_free_space_mb != 0) config.min_free_space_percent = 0;
  return config;
}

Result<FsUsage> StatFs(int fd) {
  struct statvfs st;
  int rc;
  do {
    rc = fstatvfs(fd, &st);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return Status::FromErrno("fstatvfs repository", errno);
  FsUsage u;
  u.block_size = st.f_bsize;
  u.total_bytes = static_cast<uint64_t>(st.f_frsize) * st.f_blocks;
  // Root may use the blocks the file system keeps for it; others may not.
  u.free_blocks = geteuid() == 0 ? st.f_bfree : st.f_bavail;
  return u;
}

std::string FormatSize(uint64_t bytes) {
  if (bytes == 1) return "1 byte";
  if (bytes < 1000) return std::to_string(bytes) + " bytes";
  static const char* const kUnits[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  double v = static_cast<double>(bytes) / 1000.0;
  size_t unit = 0;
  while (v >= 1000.0 && unit + 1 < std::size(kUnits)) {
    v /= 1000.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

Status FreeSpaceReserve::Start() {
  std::lock_guard<std::mutex> guard(mu_);
  if (!config_.enabled()) return {};
  return Measure();
}

Status FreeSpaceReserve::Measure() {
  OCITREE_ASSIGN_OR_RETURN(FsUsage usage, statfs_(fd_));
  if (usage.block_size == 0) return Internal("fstatvfs reported a block size of 0");
  if (config_.min_free_space_mb > 0) {
    if (config_.min_free_space_mb > (kMax >> 20))
      return InvalidArgument("min-free-space value is greater than the maximum allowed value of " +
                             std::to_string(kMax >> 20) + " bytes");
    reserved_bytes_ = config_.min_free_space_mb << 20;
  } else {
    // The same double arithmetic as libostree, so both draw the line alike.
    reserved_bytes_ = static_cast<uint64_t>(static_cast<double>(usage.total_bytes) *
                                            (config_.min_free_space_percent / 100.0));
  }
  block_size_ = usage.block_size;
  const uint64_t reserved_blocks = reserved_bytes_ / block_size_;
  max_blocks_ = usage.free_blocks > reserved_blocks ? usage.free_blocks - reserved_blocks : 0;
  charged_since_stat_ = 0;
  ++generation_;
  return {};
}

Result<FreeSpaceReserve::Ticket> FreeSpaceReserve::Charge(uint64_t bytes) {
  if (!config_.enabled()) return Ticket{};
  std::lock_guard<std::mutex> guard(mu_);
  if (charged_since_stat_ >= kRefreshBytes) OCITREE_RETURN_IF_ERROR(Measure());
  const uint64_t blocks = bytes / block_size_ + 1;
  if (blocks > max_blocks_) {
    const uint64_t requested = blocks * block_size_;
    std::string where = config_.percent_is_default
                            ? "the default, as the repo config sets neither [core] min-free-space-size nor "
                              "min-free-space-percent"
                            : std::string("repo config [core] ") +
                                  (config_.min_free_space_mb > 0 ? "min-free-space-size" : "min-free-space-percent");
    return Status::Error(ErrorCode::kIo,
                         "no space left above the free-space reserve: " + config_.Describe() +
                             " would be exceeded, at least " + FormatSize(requested) + " requested (" +
                             FormatSize(max_blocks_ * block_size_) + " free above a reserve of " +
                             FormatSize(reserved_bytes_) + "; " + where + ")");
  }
  max_blocks_ -= blocks;
  charged_since_stat_ += blocks * block_size_;
  return Ticket{blocks, generation_};
}

void FreeSpaceReserve::Credit(const Ticket& ticket) {
  if (ticket.blocks == 0) return;
  std::lock_guard<std::mutex> guard(mu_);
  if (ticket.generation == generation_) max_blocks_ += ticket.blocks;
}

}  // namespace ocitree
