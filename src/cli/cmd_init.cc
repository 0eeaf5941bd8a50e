#include "cli/cli.h"
#include "repo/repo_mode.h"

namespace ocitree::cli {

void RegisterInit(CLI::App& app, GlobalOptions& g) {
  static std::string mode = "bare";
  CLI::App* cmd = AddCommand(app, g, "init", "Create an empty OSTree repository", [&g] {
    auto m = ParseRepoMode(mode);
    if (!m.ok()) return ReportError(m.status());
    auto repo = Repo::Create(RepoPath(g), *m);
    return repo.ok() ? 0 : ReportError(repo.status());
  });
  cmd->add_option("--mode", mode,
                  "Storage mode: bare (real files, owners and xattrs; needs root), bare-user (file metadata in "
                  "user xattrs), bare-user-only (no owners, no xattrs), archive (compressed, servable over HTTP)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bare", "bare-user", "bare-user-only", "archive", "archive-z2"}));
}

}  // namespace ocitree::cli
