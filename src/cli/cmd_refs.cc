#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterRefs(CLI::App& app, GlobalOptions& g) {
  static std::vector<std::string> to_delete;
  static bool json = false;
  static bool do_delete = false;
  CLI::App* cmd = AddCommand(app, g, "refs", "List refs, or delete them with --delete", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    if (do_delete) {
      if (to_delete.empty()) return ReportError(InvalidArgument("--delete needs at least one REF"));
      for (const std::string& ref : to_delete) {
        Status s = repo->DeleteRef(ref);
        if (!s.ok()) return ReportError(s);
      }
      return 0;
    }
    auto refs = repo->ListRefs();
    if (!refs.ok()) return ReportError(refs.status());
    if (json) {
      nlohmann::json out = nlohmann::json::array();
      for (const std::string& ref : *refs) {
        auto c = repo->ResolveRev(ref);
        out.push_back({{"ref", ref}, {"commit", c.ok() ? *c : ""}});
      }
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    for (const std::string& ref : *refs) std::printf("%s\n", ref.c_str());
    return 0;
  });
  cmd->add_flag("--delete", do_delete, "Delete the named refs (objects stay until 'ocitree prune')");
  cmd->add_option("REF", to_delete, "Refs to delete");
  cmd->add_flag("--json", json, "Print a JSON array of {ref, commit}");
}

}  // namespace ocitree::cli
