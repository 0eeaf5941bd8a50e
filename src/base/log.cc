#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace ocitree {

namespace {
std::atomic<int> g_level{-1};
std::mutex g_mu;

int CurrentLevel() {
  int level = g_level.load();
  if (level < 0) {
    const char* env = std::getenv("OCITREE_DEBUG");
    level = static_cast<int>(env && *env && std::string(env) != "0" ? LogLevel::kDebug : LogLevel::kWarning);
    g_level = level;
  }
  return level;
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

void Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < CurrentLevel()) return;
  static constexpr const char* kPrefix[] = {"debug", "info", "warning", "error"};
  std::lock_guard<std::mutex> guard(g_mu);
  std::fprintf(stderr, "ocitree: %s: %.*s\n", kPrefix[static_cast<int>(level)], static_cast<int>(message.size()),
               message.data());
}

}  // namespace ocitree
