// Timestamps as users type them (RFC 3339) and as ostree prints them.
#ifndef OCITREE_BASE_TIME_FORMAT_H_
#define OCITREE_BASE_TIME_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ocitree/status.h"

namespace ocitree {

// "2024-01-01T00:00:00Z", "2024-01-01T02:00:00+02:00", fractional seconds
// allowed (dropped), or "@1704067200" for plain epoch seconds.
Result<int64_t> ParseTimestamp(std::string_view text);
// "2024-01-01 00:00:00 +0000" (UTC), as `ostree log` prints dates.
std::string FormatLogDate(uint64_t seconds);
// "2024-01-01T00:00:00Z".
std::string FormatRfc3339(uint64_t seconds);

}  // namespace ocitree

#endif  // OCITREE_BASE_TIME_FORMAT_H_
