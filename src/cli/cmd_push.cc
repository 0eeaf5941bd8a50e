#include <cstdio>

#include "cli/cli.h"
#include "cli/progress.h"
#include "ocitree/push.h"

namespace ocitree::cli {

namespace {
struct PushArgs {
  std::string rev;
  std::string image;
  PushOptions options;
};

int RunPush(GlobalOptions& g, PushArgs& a) {
  auto repo = OpenRepo(g);
  if (!repo.ok()) return ReportError(repo.status());
  ProgressLine progress;
  a.options.on_progress = [&progress](const PushProgress& p) {
    char line[160];
    std::snprintf(line, sizeof line, "layer %zu/%zu: %s rebuilt", p.layer, p.layers, HumanBytes(p.layer_bytes).c_str());
    progress.Update(line);
  };
  auto result = PushImage(*repo, a.rev, a.image, a.options);
  progress.Clear();
  if (!result.ok()) return ReportError(result.status());
  const PushResult& r = *result;
  for (size_t i = 0; i < r.layers.size(); i++) {
    const PushedLayer& l = r.layers[i];
    std::printf("layer %zu: %s -> %s (%s)%s\n", i + 1, l.diff_id.c_str(), l.digest.c_str(), HumanBytes(l.size).c_str(),
                l.digest == l.original_digest ? ", the original blob"
                                              : (", recompressed; was " + l.original_digest).c_str());
  }
  std::printf("Wrote %s: manifest %s%s, config %s\n", r.destination.c_str(), r.manifest_digest.c_str(),
              r.manifest_identical ? " (the original manifest)" : " (layer digests differ from the original)",
              r.config_digest.c_str());
  return 0;
}
}  // namespace

void RegisterPush(CLI::App& app, GlobalOptions& g) {
  static PushArgs a;
  CLI::App* cmd = AddCommand(
      app, g, "push",
      "Write a commit out as an OCI image. With --reconstruct, rebuild an image pulled with layered storage: the "
      "same config, and layer tars identical to the originals (same diff_ids), compressed again as their media "
      "types say (compressed digests may differ from the original blobs)",
      [&g] { return RunPush(g, a); });
  cmd->add_option("REV", a.rev, "Branch or commit: an image branch (ocitree/image/...) for --reconstruct")->required();
  cmd->add_option("IMAGE", a.image, "oci:DIR[:TAG] (an image layout) or oci-archive:FILE[:TAG] (a tar of one)")
      ->required();
  cmd->add_flag("--reconstruct", a.options.reconstruct,
                "Rebuild the pulled image from its layer recipes instead of exporting the tree");
}

}  // namespace ocitree::cli
