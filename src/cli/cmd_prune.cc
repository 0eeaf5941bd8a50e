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
        if (o.dry_run) {
          for (const SpaceUse& layer : result->layers)
            std::printf("Would remove layer ref %s: frees %llu bytes (%s) in %llu objects\n", layer.name.c_str(),
                        static_cast<unsigned long long>(layer.bytes), HumanBytes(layer.bytes).c_str(),
                        static_cast<unsigned long long>(layer.objects));
          if (!result->branches.empty())
            std::printf("Held by one branch only (what 'ocitree refs --delete BRANCH' and a prune would free):\n");
          for (const SpaceUse& branch : result->branches)
            std::printf("  %s: %llu bytes (%s) in %llu objects%s\n", branch.name.c_str(),
                        static_cast<unsigned long long>(branch.bytes), HumanBytes(branch.bytes).c_str(),
                        static_cast<unsigned long long>(branch.objects),
                        branch.layers ? (", " + std::to_string(branch.layers) + " layers listed").c_str() : "");
        } else {
          for (const std::string& ref : result->layer_refs_removed) std::printf("Removed ref %s\n", ref.c_str());
        }
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
  cmd->add_flag("--dry-run,-n", o.dry_run, "Only count what would be deleted, and show the bytes each branch and each unlisted layer holds alone");
  cmd->add_flag("--refs-only", o.refs_only, "Reachability from refs only (the default; accepted for ostree users)");
}

}  // namespace ocitree::cli
