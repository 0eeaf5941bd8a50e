#include "repo/repo_mode.h"

#include <string>

namespace ocitree {

Result<RepoMode> ParseRepoMode(std::string_view name) {
  if (name == "bare") return RepoMode::kBare;
  if (name == "bare-user") return RepoMode::kBareUser;
  if (name == "bare-user-only") return RepoMode::kBareUserOnly;
  if (name == "archive" || name == "archive-z2") return RepoMode::kArchive;
  if (name == "bare-split-xattrs") return Unsupported("repository mode bare-split-xattrs is not supported");
  return InvalidArgument("unknown repository mode '" + std::string(name) +
                         "' (expected bare, bare-user, bare-user-only or archive)");
}

const char* RepoModeConfigName(RepoMode mode) {
  switch (mode) {
    case RepoMode::kBare: return "bare";
    case RepoMode::kBareUser: return "bare-user";
    case RepoMode::kBareUserOnly: return "bare-user-only";
    case RepoMode::kArchive: return "archive-z2";
  }
  return "bare";
}

}  // namespace ocitree
