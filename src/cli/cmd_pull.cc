#include <cstdio>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/registry_flags.h"
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
  TransferMeter meter;
  a.options.on_progress = [&progress, &meter](const PullProgress& p) {
    char line[200];
    std::snprintf(line, sizeof line, "layers %zu/%zu done: %s, %llu entries", p.layers_done, p.layers,
                  meter.Format(p.bytes, p.total_bytes, p.bytes_resumed).c_str(), static_cast<unsigned long long>(p.entries));
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
  if (r.bytes_resumed)
    std::printf(", %s of it kept from an interrupted pull (%llu bytes)", HumanBytes(r.bytes_resumed).c_str(),
                static_cast<unsigned long long>(r.bytes_resumed));
  if (r.special_skipped) std::printf(", %llu device nodes/fifos skipped", static_cast<unsigned long long>(r.special_skipped));
  if (r.commit_restored) std::printf("; the image's ostree commit restored as it was pushed");
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
                  "oci:DIR[:TAG] (an image layout), oci-archive:FILE[:TAG] (a tar of one) or "
                  "docker://HOST[:PORT]/NAME[:TAG|@DIGEST] (a registry; docker.io/library/ names as docker does). "
                  "From a registry, layers download in parallel and are kept under the repository's tmp/ until "
                  "they land: run an interrupted pull again and it continues where it stopped")
      ->required();
  AddRegistryFlags(cmd, &a.options.registry);
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
