#include <cstdio>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterShow(CLI::App& app, GlobalOptions& g) {
  static std::string rev;
  static bool json = false;
  CLI::App* cmd = AddCommand(app, g, "show", "Show one commit with its metadata", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    auto info = repo->ReadCommit(rev);
    if (!info.ok()) return ReportError(info.status());
    if (json) {
      std::printf("%s\n", CommitJson(*info).c_str());
      return 0;
    }
    PrintCommit(*info);
    if (!info->metadata.empty()) {
      std::printf("Metadata:\n");
      for (const auto& m : info->metadata) std::printf("  %s: %s\n", m.key.c_str(), m.value_text.c_str());
    }
    return 0;
  });
  cmd->add_option("REF", rev, "Branch or commit")->required();
  cmd->add_flag("--json", json, "Print the commit as JSON");
}

}  // namespace ocitree::cli
