#include "cli/cli.h"

namespace ocitree::cli {

void RegisterCheckout(CLI::App& app, GlobalOptions& g) {
  static std::string rev, dest;
  static CheckoutOptions o;
  CLI::App* cmd = AddCommand(app, g, "checkout",
                             "Check out a commit into a directory (hardlinks from the repository where the modes "
                             "allow, copies otherwise)",
                             [&g] {
                               auto repo = OpenRepo(g);
                               if (!repo.ok()) return ReportError(repo.status());
                               auto stats = repo->Checkout(rev, dest, o);
                               return stats.ok() ? 0 : ReportError(stats.status().WithContext("checkout"));
                             });
  cmd->add_option("REF", rev, "Branch or commit")->required();
  cmd->add_option("DEST", dest, "Directory to create (or merge into, with --union)")->required();
  cmd->add_flag("-U,--user-mode", o.user_mode, "Do not change owners or set xattrs; drop setuid/setgid");
  cmd->add_flag("-H,--require-hardlinks", o.require_hardlinks, "Fail rather than copy a file");
  cmd->add_flag("--union", o.union_files, "Merge into an existing directory, replacing files");
  cmd->add_flag("--whiteouts", o.process_whiteouts,
                "Treat OCI whiteouts: .wh.NAME deletes NAME, .wh..wh..opq empties the directory");
  cmd->add_option("--subpath", o.subpath, "Check out only this path of the tree");
}

}  // namespace ocitree::cli
