// When a failed request is worth sending again, and how long to wait first:
// 429 and 5xx answers and lost connections are retried with exponential
// backoff, or after the delay the registry's Retry-After asks for, within a
// bounded number of tries and a bounded total wait.
#ifndef OCITREE_REGISTRY_RETRY_POLICY_H_
#define OCITREE_REGISTRY_RETRY_POLICY_H_

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "ocitree/registry_options.h"

namespace ocitree::registry {

using Millis = std::chrono::milliseconds;

// 429, and 5xx except 501 and 505 (those will not change by asking again).
bool IsRetryableStatus(long status);

// Retry-After as delta-seconds ("120") or an HTTP-date (IMF-fixdate, RFC 850
// or asctime), relative to `now`; a date in the past is zero. nullopt when
// the value is neither.
std::optional<Millis> ParseRetryAfter(std::string_view value, std::time_t now);

class RetryBudget {
 public:
  explicit RetryBudget(const RegistryOptions& options);

  // Whether another try may follow the `tries` made so far after waiting
  // `retry_after` (when the server gave one) or the backoff; on true,
  // `*wait` is the delay to sleep. On false, `*why` says which bound stopped
  // it, for the error message.
  bool Next(int tries, std::optional<Millis> retry_after, Millis* wait, std::string* why);

 private:
  int max_tries_;
  Millis first_delay_;
  Millis max_total_;
  Millis waited_{0};
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_RETRY_POLICY_H_
