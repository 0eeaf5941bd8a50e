// ocitree: OSTree repositories <-> OCI images. This file wires the commands;
// each lives in its own cmd_*.cc.
#include <cstdio>
#include <string_view>

#include "cli/cli.h"

namespace {

// The first word that is neither an option nor a command, or nullptr. CLI11
// would report it as "A subcommand is required", and --help beside it would
// print the general help and exit 0 as if the command existed.
const char* UnknownCommand(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "--repo") {
      i++;
      continue;
    }
    if (arg.starts_with("-")) continue;
    auto named = app.get_subcommands([arg](CLI::App* sub) { return sub->get_name() == arg; });
    return named.empty() ? argv[i] : nullptr;
  }
  return nullptr;
}

}  // namespace

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
  if (const char* unknown = UnknownCommand(app, argc, argv)) {
    std::fprintf(stderr, "ocitree: error: unknown command '%s' ('ocitree --help' lists the commands)\n", unknown);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  std::fflush(stdout);
  return g.exit_code;
}
