// The one way ocitree logs: short lines on stderr, prefixed by severity.
// Library code logs warnings only; results and errors travel as values.
#ifndef OCITREE_BASE_LOG_H_
#define OCITREE_BASE_LOG_H_

#include <string_view>

namespace ocitree {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Messages below this level are dropped (default kWarning; OCITREE_DEBUG=1
// in the environment lowers it to kDebug).
void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view message);
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }

}  // namespace ocitree

#endif  // OCITREE_BASE_LOG_H_
