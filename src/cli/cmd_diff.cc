#include <cstdio>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterDiff(CLI::App& app, GlobalOptions& g) {
  static std::string from, to;
  CLI::App* cmd = AddCommand(app, g, "diff", "Compare two commits: M modified, D deleted, A added", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    auto diff = repo->Diff(from, to);
    if (!diff.ok()) return ReportError(diff.status());
    for (const DiffEntry& d : *diff) std::printf("%c    %s\n", d.kind, d.path.c_str());
    return 0;
  });
  cmd->add_option("FROM", from, "Older branch or commit")->required();
  cmd->add_option("TO", to, "Newer branch or commit")->required();
}

}  // namespace ocitree::cli
