#include <cstdio>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterRevParse(CLI::App& app, GlobalOptions& g) {
  static std::string rev;
  CLI::App* cmd = AddCommand(app, g, "rev-parse", "Print the commit checksum a ref (or REF^ for its parent) names",
                             [&g] {
                               auto repo = OpenRepo(g);
                               if (!repo.ok()) return ReportError(repo.status());
                               auto c = repo->ResolveRev(rev);
                               if (!c.ok()) return ReportError(c.status());
                               std::printf("%s\n", c->c_str());
                               return 0;
                             });
  cmd->add_option("REV", rev, "Ref or checksum")->required();
}

}  // namespace ocitree::cli
