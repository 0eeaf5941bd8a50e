#include "cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/time_format.h"

namespace ocitree::cli {

std::string RepoPath(const GlobalOptions& g) {
  if (!g.repo.empty()) return g.repo;
  if (const char* env = std::getenv("OCITREE_REPO"); env && *env) return env;
  return "repo";
}

Result<Repo> OpenRepo(const GlobalOptions& g) { return Repo::Open(RepoPath(g)); }

int ReportError(const Status& status) {
  std::fprintf(stderr, "ocitree: error: %s\n", status.message().c_str());
  return kExitError;
}

CLI::App* AddCommand(CLI::App& app, GlobalOptions& g, const std::string& name, const std::string& help,
                     std::function<int()> run) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->callback([&g, run = std::move(run)] { g.exit_code = run(); });
  return cmd;
}

namespace {
void PrintIndented(const std::string& text) {
  std::printf("\n");
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::printf("    %s\n", text.substr(pos, end - pos).c_str());
    pos = end + 1;
  }
}
}  // namespace

void PrintCommit(const CommitInfo& info) {
  std::printf("commit %s\n", info.checksum.c_str());
  if (!info.parent.empty()) std::printf("Parent:  %s\n", info.parent.c_str());
  std::printf("ContentChecksum:  %s\n", info.content_checksum.c_str());
  std::printf("Date:  %s\n", FormatLogDate(info.timestamp).c_str());
  if (!info.version.empty()) std::printf("Version: %s\n", info.version.c_str());
  PrintIndented(info.subject);
  if (!info.body.empty()) PrintIndented(info.body);
  std::printf("\n");
}

std::string CommitJson(const CommitInfo& info) {
  nlohmann::json j;
  j["checksum"] = info.checksum;
  j["parent"] = info.parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.parent);
  j["subject"] = info.subject;
  j["body"] = info.body;
  j["timestamp"] = info.timestamp;
  j["date"] = FormatRfc3339(info.timestamp);
  j["root_tree"] = info.root_tree;
  j["root_meta"] = info.root_meta;
  j["content_checksum"] = info.content_checksum;
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& m : info.metadata) meta[m.key] = m.value_text;
  j["metadata"] = meta;
  return j.dump();
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000 && unit < 4) {
    v /= 1000;
    unit++;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

}  // namespace ocitree::cli
