#include <cstdio>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterFsck(CLI::App& app, GlobalOptions& g) {
  static bool quiet = false;
  CLI::App* cmd = AddCommand(app, g, "fsck", "Re-hash every object reachable from every commit and report damage",
                             [&g] {
                               auto repo = OpenRepo(g);
                               if (!repo.ok()) return ReportError(repo.status());
                               auto report = repo->Fsck();
                               if (!report.ok()) return ReportError(report.status().WithContext("fsck"));
                               for (const FsckProblem& p : report->problems)
                                 std::fprintf(stderr, "ocitree: error: %s object %s%s%s: %s\n", p.object_type.c_str(),
                                              p.checksum.c_str(), p.path.empty() ? "" : " at ", p.path.c_str(),
                                              p.message.c_str());
                               if (!quiet)
                                 std::printf("Checked %llu commits and %llu objects: %s\n",
                                             static_cast<unsigned long long>(report->commits),
                                             static_cast<unsigned long long>(report->objects),
                                             report->ok() ? "no problems found"
                                                          : (std::to_string(report->problems.size()) + " problems found").c_str());
                               return report->ok() ? 0 : kExitError;
                             });
  cmd->add_flag("-q,--quiet", quiet, "Print only problems");
}

}  // namespace ocitree::cli
