// The one way the CLI shows progress: a single line on stderr, redrawn at
// most ten times a second, and only when stderr is a terminal.
#ifndef OCITREE_CLI_PROGRESS_H_
#define OCITREE_CLI_PROGRESS_H_

#include <chrono>
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

}  // namespace ocitree::cli

#endif  // OCITREE_CLI_PROGRESS_H_
