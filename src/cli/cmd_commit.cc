#include <cstdio>

#include "base/time_format.h"
#include "cli/cli.h"

namespace ocitree::cli {

namespace {
struct CommitArgs {
  std::string tree;
  std::string timestamp;
  std::vector<std::string> metadata;
  bool no_bindings = false;
  CommitOptions options;
};

int RunCommit(GlobalOptions& g, CommitArgs& a) {
  CommitOptions& o = a.options;
  if (a.tree.rfind("dir=", 0) == 0) {
    o.tree_dir = a.tree.substr(4);
  } else if (a.tree.rfind("tar=", 0) == 0) {
    o.tree_tar = a.tree.substr(4);
  } else {
    return ReportError(InvalidArgument("--tree takes dir=PATH or tar=FILE, not '" + a.tree + "'"));
  }
  if (!a.timestamp.empty()) {
    auto t = ParseTimestamp(a.timestamp);
    if (!t.ok()) return ReportError(t.status());
    o.timestamp = *t;
  }
  for (const std::string& kv : a.metadata) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return ReportError(InvalidArgument("--add-metadata-string takes KEY=VALUE, not '" + kv + "'"));
    o.metadata_strings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  o.bind_ref = !a.no_bindings;
  auto repo = OpenRepo(g);
  if (!repo.ok()) return ReportError(repo.status());
  auto result = repo->Commit(o);
  if (!result.ok()) return ReportError(result.status().WithContext("commit"));
  if (result->entries_skipped > 0)
    std::fprintf(stderr, "ocitree: skipped %llu device nodes, fifos or sockets\n",
                 static_cast<unsigned long long>(result->entries_skipped));
  std::printf("%s\n", result->checksum.c_str());
  return 0;
}
}  // namespace

void RegisterCommit(CLI::App& app, GlobalOptions& g) {
  static CommitArgs a;
  CLI::App* cmd = AddCommand(app, g, "commit",
                             "Commit a directory or a tar file as a new revision of a branch; prints the "
                             "commit checksum",
                             [&g] { return RunCommit(g, a); });
  cmd->add_option("-b,--branch", a.options.branch, "Branch to commit to (its previous commit becomes the parent)")
      ->required();
  cmd->add_option("--tree", a.tree, "What to commit: dir=PATH or tar=FILE (an uncompressed tar)")->required();
  cmd->add_option("-s,--subject", a.options.subject, "One-line subject");
  cmd->add_option("--body", a.options.body, "Full description");
  cmd->add_option("--timestamp", a.timestamp,
                  "Commit time, RFC 3339 (2024-01-01T00:00:00Z) or @SECONDS (default: now)");
  cmd->add_option("--add-metadata-string", a.metadata, "Add KEY=VALUE to the commit metadata (repeatable)");
  cmd->add_flag("--no-bindings", a.no_bindings, "Do not add the ostree.ref-binding metadata");
}

}  // namespace ocitree::cli
