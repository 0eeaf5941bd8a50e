// The one way the CLI shows progress: a single line on stderr, redrawn at
// most ten times a second, and only when stderr is a terminal.
#ifndef OCITREE_CLI_PROGRESS_H_
#define OCITREE_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace ocitree::cli {

class ProgressLine {
 public:
  ProgressLine();
  ~ProgressLine() { Clear(); }
  // Redraws the line if enough time has passed (or `force`).
  void Update(const std::string& text, bool force = false);
  // Erases the line, so that what follows starts clean.
  void Clear();
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// "12.5 MiB of 170 MiB, 41.2 MiB/s, 4s left": bytes against a total, with
// the average rate since the meter was made (once it means something).
// `not_transferred` bytes of `done` came from disk (a resumed download), so
// they count toward the total but not toward the rate.
class TransferMeter {
 public:
  TransferMeter() : start_(std::chrono::steady_clock::now()) {}
  std::string Format(uint64_t done, uint64_t total, uint64_t not_transferred = 0) const;

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ocitree::cli

#endif  // OCITREE_CLI_PROGRESS_H_
