#include <cstdio>

#include "cli/cli.h"
#include "ocitree/image.h"

namespace ocitree::cli {

void RegisterPrune(CLI::App& app, GlobalOptions& g) {
  static PruneOptions o;
  CLI::App* cmd = AddCommand(
      app, g, "prune",
      "Delete layer refs no image lists any more, then every object no ref reaches (remove an image first with "
      "'ocitree refs --delete BRANCH')",
      [&g] {
        auto repo = OpenRepo(g);
        if (!repo.ok()) return ReportError(repo.status());
        auto result = PruneImages(*repo, o);
        if (!result.ok()) return ReportError(result.status().WithContext("prune"));
        for (const std::string& ref : result->layer_refs_removed)
          std::printf("%s layer ref %s\n", o.dry_run ? "Would remove" : "Removed", ref.c_str());
        const PruneReport& report = result->objects;
        std::printf("Total objects: %llu\n", static_cast<unsigned long long>(report.objects_total));
        if (report.objects_unreachable == 0)
          std::printf("No unreachable objects\n");
        else
          std::printf("%s %llu objects, %s freed\n", o.dry_run ? "Would delete" : "Deleted",
                      static_cast<unsigned long long>(report.objects_unreachable),
                      HumanBytes(report.bytes_freed).c_str());
        return 0;
      });
  cmd->add_flag("--dry-run,-n", o.dry_run, "Only count what would be deleted");
  cmd->add_flag("--refs-only", o.refs_only, "Reachability from refs only (the default; accepted for ostree users)");
}

}  // namespace ocitree::cli
