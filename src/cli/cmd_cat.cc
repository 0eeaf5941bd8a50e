#include <unistd.h>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterCat(CLI::App& app, GlobalOptions& g) {
  static std::string rev;
  static std::vector<std::string> paths;
  CLI::App* cmd = AddCommand(app, g, "cat", "Write the content of files in a commit to stdout", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    for (const std::string& path : paths) {
      Status s = repo->Cat(rev, path, STDOUT_FILENO);
      if (!s.ok()) return ReportError(s);
    }
    return 0;
  });
  cmd->add_option("REF", rev, "Branch or commit")->required();
  cmd->add_option("PATH", paths, "Files inside the tree")->required();
}

}  // namespace ocitree::cli
