#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/cli.h"

namespace ocitree::cli {

void RegisterLs(CLI::App& app, GlobalOptions& g) {
  static std::string rev;
  static std::vector<std::string> paths;
  static bool recursive = false, checksums = false, json = false;
  CLI::App* cmd = AddCommand(app, g, "ls", "List paths of a commit (the same format as 'ostree ls')", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    std::vector<std::string> wanted = paths.empty() ? std::vector<std::string>{"/"} : paths;
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& path : wanted) {
      auto entries = repo->List(rev, path, recursive);
      if (!entries.ok()) return ReportError(entries.status());
      for (const TreeEntry& e : *entries) {
        if (json) {
          out.push_back({{"type", std::string(1, e.type)}, {"mode", e.mode}, {"uid", e.uid}, {"gid", e.gid},
                         {"size", e.size}, {"path", e.path}, {"target", e.symlink_target},
                         {"checksum", e.checksum}});
          continue;
        }
        std::printf("%c0%04o %u %u %6llu ", e.type, e.mode, e.uid, e.gid, static_cast<unsigned long long>(e.size));
        if (checksums) std::printf("%s ", e.checksum.c_str());
        std::printf("%s", e.path.c_str());
        if (e.type == 'l') std::printf(" -> %s", e.symlink_target.c_str());
        std::printf("\n");
      }
    }
    if (json) std::printf("%s\n", out.dump(2).c_str());
    return 0;
  });
  cmd->add_option("REF", rev, "Branch or commit")->required();
  cmd->add_option("PATH", paths, "Paths inside the tree (default /)");
  cmd->add_flag("-R,--recursive", recursive, "List directories recursively");
  cmd->add_flag("-C,--checksum", checksums, "Show object checksums");
  cmd->add_flag("--json", json, "Print a JSON array");
}

}  // namespace ocitree::cli
