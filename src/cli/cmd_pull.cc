#include <cstdio>

#include "cli/cli.h"
#include "cli/progress.h"
#include "ocitree/image.h"

namespace ocitree::cli {

namespace {
struct PullArgs {
  std::string image;
  std::string storage = "layered";
  PullOptions options;
};

int RunPull(GlobalOptions& g, PullArgs& a) {
  a.options.storage = a.storage == "flattened" ? Storage::kFlattened : Storage::kLayered;
  auto repo = OpenRepo(g);
  if (!repo.ok()) return ReportError(repo.status());
  ProgressLine progress;
  a.options.on_progress = [&progress](const PullProgress& p) {
    char line[160];
    std::snprintf(line, sizeof line, "layers %zu/%zu done: %s of %s read, %llu entries", p.layers_done, p.layers,
                  HumanBytes(p.bytes).c_str(), HumanBytes(p.total_bytes).c_str(),
                  static_cast<unsigned long long>(p.entries));
    progress.Update(line);
  };
  auto result = PullImage(*repo, a.image, a.options);
  progress.Clear();
  if (!result.ok()) return ReportError(result.status());
  const PullResult& r = *result;
  if (r.up_to_date) {
    std::printf("%s is up to date: %s already holds %s (commit %s)\n", a.image.c_str(), r.branch.c_str(),
                r.manifest_digest.c_str(), r.commit.c_str());
    return 0;
  }
  std::printf("Pulled %s (%s) into %s: commit %s, %zu layers (%zu already stored), %s read, %llu new files, "
              "%llu already stored",
              a.image.c_str(), r.manifest_digest.c_str(), r.branch.c_str(), r.commit.c_str(), r.layers, r.layers_reused,
              HumanBytes(r.bytes_read).c_str(), static_cast<unsigned long long>(r.files_written),
              static_cast<unsigned long long>(r.files_existing));
  if (r.special_skipped) std::printf(", %llu device nodes/fifos skipped", static_cast<unsigned long long>(r.special_skipped));
  std::printf("\n");
  return 0;
}
}  // namespace

void RegisterPull(CLI::App& app, GlobalOptions& g) {
  static PullArgs a;
  CLI::App* cmd = AddCommand(app, g, "pull",
                             "Pull an OCI image into the repository: one commit on a branch holds the image's files (all layers applied)",
                             [&g] { return RunPull(g, a); });
  cmd->add_option("IMAGE", a.image,
                  "oci:DIR[:TAG] (an image layout) or oci-archive:FILE[:TAG] (a tar of one)")
      ->required();
  cmd->add_option("-b,--branch", a.options.branch, "Branch to commit to (default: ocitree/image/<reference>)");
  cmd->add_option("--platform", a.options.platform,
                  "OS/ARCH[/VARIANT] to pick from a multi-platform index (default: this machine's)");
  cmd->add_option("--prefix", a.options.hooks.path_prefix, "Put the image's files below this directory");
  cmd->add_option("--storage", a.storage,
                  "layered: each layer a commit of its own (ocitree/layer/sha256/DIFF_ID), shared between images and "
                  "never read twice; flattened: one commit, nothing else kept")
      ->check(CLI::IsMember({"layered", "flattened"}))
      ->capture_default_str();
}

}  // namespace ocitree::cli
