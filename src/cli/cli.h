// What every command file shares: global options, opening the repository,
// and the one way to report an error.
#ifndef OCITREE_CLI_CLI_H_
#define OCITREE_CLI_CLI_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "ocitree/repo.h"

namespace ocitree::cli {

struct GlobalOptions {
  std::string repo;  // --repo; else $OCITREE_REPO; else ./repo
  int exit_code = 0;
};

// Exit statuses: 0 success, 1 error, 2 bad usage (DESIGN.md section 9).
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

std::string RepoPath(const GlobalOptions& g);
Result<Repo> OpenRepo(const GlobalOptions& g);
// Prints "ocitree: error: ..." on stderr and returns the exit status.
int ReportError(const Status& status);

// Adds a subcommand whose body is `run`; its return value becomes the exit status.
CLI::App* AddCommand(CLI::App& app, GlobalOptions& g, const std::string& name, const std::string& help,
                     std::function<int()> run);

// One registration function per command file.
void RegisterInit(CLI::App& app, GlobalOptions& g);
void RegisterCommit(CLI::App& app, GlobalOptions& g);
void RegisterRefs(CLI::App& app, GlobalOptions& g);
void RegisterRevParse(CLI::App& app, GlobalOptions& g);
void RegisterLog(CLI::App& app, GlobalOptions& g);
void RegisterShow(CLI::App& app, GlobalOptions& g);
void RegisterLs(CLI::App& app, GlobalOptions& g);
void RegisterCat(CLI::App& app, GlobalOptions& g);
void RegisterDiff(CLI::App& app, GlobalOptions& g);
void RegisterCheckout(CLI::App& app, GlobalOptions& g);
void RegisterFsck(CLI::App& app, GlobalOptions& g);
void RegisterPrune(CLI::App& app, GlobalOptions& g);
void RegisterPull(CLI::App& app, GlobalOptions& g);
void RegisterImages(CLI::App& app, GlobalOptions& g);
void RegisterPush(CLI::App& app, GlobalOptions& g);
void RegisterInspect(CLI::App& app, GlobalOptions& g);

// Commit printing shared by log and show.
void PrintCommit(const CommitInfo& info);
std::string CommitJson(const CommitInfo& info);
std::string HumanBytes(uint64_t bytes);

}  // namespace ocitree::cli

#endif  // OCITREE_CLI_CLI_H_
