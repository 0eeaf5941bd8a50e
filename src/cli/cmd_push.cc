#include <cstdio>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/registry_flags.h"
#include "ocitree/push.h"

namespace ocitree::cli {

namespace {
struct PushArgs {
  std::string rev;
  std::string image;
  std::string compression = "gzip";
  PushOptions options;
};

void PrintReconstructed(const PushResult& r) {
  for (size_t i = 0; i < r.layers.size(); i++) {
    const PushedLayer& l = r.layers[i];
    std::printf("layer %zu: %s -> %s (%s)%s\n", i + 1, l.diff_id.c_str(), l.digest.c_str(), HumanBytes(l.size).c_str(),
                l.digest == l.original_digest ? ", the original blob"
                                              : (", recompressed; was " + l.original_digest).c_str());
  }
  std::printf("Wrote %s: manifest %s%s, config %s\n", r.destination.c_str(), r.manifest_digest.c_str(),
              r.manifest_identical ? " (the original manifest)" : " (layer digests differ from the original)",
              r.config_digest.c_str());
}

void PrintExported(const PushResult& r) {
  for (const std::string& w : r.warnings) std::fprintf(stderr, "ocitree: warning: %s\n", w.c_str());
  for (size_t i = 0; i < r.layers.size(); i++) {
    const PushedLayer& l = r.layers[i];
    std::printf("layer %zu: %s (%s, %llu entries, tar %s)%s\n", i + 1, l.digest.c_str(), HumanBytes(l.size).c_str(),
                static_cast<unsigned long long>(l.entries), HumanBytes(l.tar_size).c_str(),
                l.existed ? ", already there" : "");
  }
  std::printf("Pushed commit %s to %s (%s): manifest %s, config %s\n", r.commit.c_str(), r.destination.c_str(),
              r.platform.c_str(), r.manifest_digest.c_str(), r.config_digest.c_str());
}

int RunPush(GlobalOptions& g, PushArgs& a) {
  if (a.compression == "gzip") {
    a.options.compression = PushCompression::kGzip;
  } else if (a.compression == "zstd") {
    a.options.compression = PushCompression::kZstd;
  } else if (a.compression == "none") {
    a.options.compression = PushCompression::kNone;
  } else {
    return ReportError(InvalidArgument("--compression must be gzip, zstd or none, not '" + a.compression + "'"));
  }
  auto repo = OpenRepo(g);
  if (!repo.ok()) return ReportError(repo.status());
  ProgressLine progress;
  const bool reconstruct = a.options.reconstruct;
  a.options.on_progress = [&progress, reconstruct](const PushProgress& p) {
    char line[200];
    if (reconstruct) {
      std::snprintf(line, sizeof line, "layer %zu/%zu: %s rebuilt", p.layer, p.layers, HumanBytes(p.layer_bytes).c_str());
    } else {
      std::snprintf(line, sizeof line, "layer %zu/%zu%s: %s of tar, %llu/%llu entries", p.layer, p.layers,
                    p.digest_pass ? " (computing its digest)" : "", HumanBytes(p.layer_bytes).c_str(),
                    static_cast<unsigned long long>(p.entries), static_cast<unsigned long long>(p.total_entries));
    }
    progress.Update(line);
  };
  auto result = PushImage(*repo, a.rev, a.image, a.options);
  progress.Clear();
  if (!result.ok()) return ReportError(result.status());
  if (reconstruct) {
    PrintReconstructed(*result);
  } else {
    PrintExported(*result);
  }
  return 0;
}
}  // namespace

void RegisterPush(CLI::App& app, GlobalOptions& g) {
  static PushArgs a;
  CLI::App* cmd = AddCommand(
      app, g, "push",
      "Write a commit out as an OCI image.\n\n"
      "By default the commit's tree becomes ordinary layer tars (files, directories, symlinks, owners, modes, "
      "xattrs as SCHILY.xattr; mtime 0) that any container tool can run, and the image carries the commit object "
      "and its detached metadata (signatures) in its config labels (ostree.commit, ocitree.commit.object, "
      "ocitree.commit.detached-metadata). `ocitree pull` of that image gives back the IDENTICAL commit: same "
      "checksum, subject, body, timestamp, metadata and signatures. The output is deterministic: the same commit "
      "with the same options always gives the same blobs and manifest digest. os/architecture come from the "
      "commit's ostree.architecture (x86_64 -> amd64, aarch64 -> arm64), else --platform, else this machine.\n\n"
      "With --reconstruct, rebuild an image pulled with layered storage instead: the same config, and layer tars "
      "identical to the originals (same diff_ids), compressed again as their media types say (compressed digests "
      "may differ from the original blobs).\n\n"
      "Examples:\n"
      "  ocitree push os/main oci:/srv/images:v1\n"
      "  ocitree push --max-layers 8 --compression zstd os/main oci-archive:/tmp/os.tar:v1\n"
      "  ocitree push --reconstruct ocitree/image/web oci:/srv/rebuilt:web",
      [&g] { return RunPush(g, a); });
  cmd->add_option("REV", a.rev,
                  "Branch or commit to push; for --reconstruct an image branch (ocitree/image/...)")
      ->required();
  cmd->add_option("IMAGE", a.image,
                  "oci:DIR[:TAG] (an image layout), oci-archive:FILE[:TAG] (a tar of one) or "
                  "docker://HOST[:PORT]/NAME[:TAG] (a registry)")
      ->required();
  cmd->add_flag("--reconstruct", a.options.reconstruct,
                "Rebuild the pulled image from its layer recipes instead of exporting the tree");
  cmd->add_option("--compression", a.compression,
                  "Layer compression: gzip (default; ISA-L level 1), zstd (level 3) or none")
      ->capture_default_str();
  cmd->add_option("--max-layers", a.options.max_layers,
                  "Split the tree over up to N layers (1-100, default 1) by a stable rule: each path goes to layer "
                  "bucket sha256(path) mod N (the root to bucket 0), and each layer also lists the directories above "
                  "its entries. A path's layer depends on the path alone, so changing, adding or removing one file "
                  "changes one layer digest and an update pulls one layer. Empty buckets give no layer")
      ->capture_default_str();
  cmd->add_option("--platform", a.options.platform,
                  "OS/ARCH[/VARIANT] for the image config when the commit has no ostree.architecture (or to "
                  "override it), e.g. linux/arm64");
  AddRegistryFlags(cmd, &a.options.registry);
}

}  // namespace ocitree::cli
