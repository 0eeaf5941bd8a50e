#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "cli/cli.h"

namespace ocitree::cli {

ProgressLine::ProgressLine() : enabled_(isatty(STDERR_FILENO) == 1) {}

void ProgressLine::Update(const std::string& text, bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && shown_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::Clear() {
  if (!enabled_ || !shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

std::string TransferMeter::Format(uint64_t done, uint64_t total, uint64_t not_transferred) const {
  std::string out = HumanBytes(done) + " of " + HumanBytes(total);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  uint64_t transferred = done > not_transferred ? done - not_transferred : 0;
  if (seconds < 1 || transferred == 0) return out;
  double rate = static_cast<double>(transferred) / seconds;
  out += ", " + HumanBytes(static_cast<uint64_t>(rate)) + "/s";
  if (total > done) {
    auto left = static_cast<uint64_t>(static_cast<double>(total - done) / rate);
    out += ", " + (left >= 60 ? std::to_string(left / 60) + "m" + std::to_string(left % 60) + "s"
                              : std::to_string(left) + "s") + " left";
  }
  return out;
}

}  // namespace ocitree::cli
