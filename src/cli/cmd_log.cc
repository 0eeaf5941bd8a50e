#include <cstdio>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterLog(CLI::App& app, GlobalOptions& g) {
  static std::string rev;
  static bool json = false;
  CLI::App* cmd = AddCommand(app, g, "log", "Show the history of a branch, newest first", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    auto c = repo->ResolveRev(rev);
    if (!c.ok()) return ReportError(c.status());
    std::string next = *c;
    bool first = true;
    if (json) std::printf("[");
    while (!next.empty()) {
      auto info = repo->ReadCommit(next);
      if (!info.ok()) {
        // History pruned below this point: stop quietly, as ostree does.
        if (!first && info.status().code() == ErrorCode::kNotFound) break;
        return ReportError(info.status());
      }
      if (json)
        std::printf("%s%s", first ? "" : ",\n", CommitJson(*info).c_str());
      else
        PrintCommit(*info);
      first = false;
      next = info->parent;
    }
    if (json) std::printf("]\n");
    return 0;
  });
  cmd->add_option("REF", rev, "Branch or commit")->required();
  cmd->add_flag("--json", json, "Print a JSON array of commits");
}

}  // namespace ocitree::cli
