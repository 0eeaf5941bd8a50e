// The storage modes of an OSTree repository (FORMATS.md 3.3).
#ifndef OCITREE_REPO_REPO_MODE_H_
#define OCITREE_REPO_REPO_MODE_H_

#include <string_view>

#include "ocitree/repo.h"
#include "ocitree/status.h"

namespace ocitree {

// Parses a config/CLI mode name; "archive" and "archive-z2" are the same.
Result<RepoMode> ParseRepoMode(std::string_view name);
// The name written to `config` ("archive-z2" for archive, as ostree writes).
const char* RepoModeConfigName(RepoMode mode);

// Whether objects of this mode keep real ownership and xattrs.
inline bool ModeKeepsOwnership(RepoMode m) { return m != RepoMode::kBareUserOnly; }

}  // namespace ocitree

#endif  // OCITREE_REPO_REPO_MODE_H_
