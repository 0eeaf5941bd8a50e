#include "registry/retry_policy.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ocitree::registry {

bool IsRetryableStatus(long status) {
  return status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
}

std::optional<Millis> ParseRetryAfter(std::string_view value, std::time_t now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    // A huge number is as good as "too long": clamp instead of overflowing.
    if (value.size() > 9) return Millis(int64_t{999999999} * 1000);
    return Millis(std::stoll(std::string(value)) * 1000);
  }
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  std::string text(value);
  for (const char* format : kFormats) {
    struct tm tm = {};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    std::time_t when = timegm(&tm);
    if (when == static_cast<std::time_t>(-1)) continue;
    return Millis(std::max<int64_t>(0, static_cast<int64_t>(when - now)) * 1000);
  }
  return std::nullopt;
}

RetryBudget::RetryBudget(const RegistryOptions& options)
    : max_tries_(std::max(1, options.max_tries)),
      first_delay_(std::max(0, options.retry_delay_ms)),
      max_total_(std::max(0, options.max_retry_wait_ms)) {}

bool RetryBudget::Next(int tries, std::optional<Millis> retry_after, Millis* wait, std::string* why) {
  if (tries >= max_tries_) {
    *why = "gave up after " + std::to_string(tries) + " tries";
    return false;
  }
  Millis delay = first_delay_ * (int64_t{1} << std::min(tries - 1, 20));
  if (retry_after) delay = *retry_after;
  if (waited_ + delay > max_total_) {
    char text[160];
    std::snprintf(text, sizeof text, "gave up after %d %s: waiting %.1f s more would pass the %.1f s retry budget",
                  tries, tries == 1 ? "try" : "tries", delay.count() / 1000.0, max_total_.count() / 1000.0);
    *why = text;
    return false;
  }
  waited_ += delay;
  *wait = delay;
  return true;
}

}  // namespace ocitree::registry
