// ocitree: OSTree repositories <-> OCI images. This file wires the commands;
// each lives in its own cmd_*.cc.
#include <cstdio>

#include "cli/cli.h"

int main(int argc, char** argv) {
  using namespace ocitree::cli;
  CLI::App app{
      "ocitree: store filesystem trees in OSTree repositories and move them to and from OCI images.\n"
      "The repository is a real OSTree repository: the ostree CLI reads what ocitree writes.",
      "ocitree"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ocitree 0.1.0");
  GlobalOptions g;
  app.add_option("--repo", g.repo, "Repository path (default: $OCITREE_REPO, then ./repo)");
  RegisterInit(app, g);
  RegisterCommit(app, g);
  RegisterRefs(app, g);
  RegisterRevParse(app, g);
  RegisterLog(app, g);
  RegisterShow(app, g);
  RegisterLs(app, g);
  RegisterCat(app, g);
  RegisterDiff(app, g);
  RegisterCheckout(app, g);
  RegisterFsck(app, g);
  RegisterPrune(app, g);
  RegisterPull(app, g);
  RegisterImages(app, g);
  RegisterPush(app, g);
  RegisterInspect(app, g);
  app.footer("Run 'ocitree COMMAND --help' for a command's options.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  std::fflush(stdout);
  return g.exit_code;
}
