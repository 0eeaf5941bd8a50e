// ocitree inspect: what an image is, without pulling its layers, printed as
// `skopeo inspect` prints it (same keys, same order), for any reference
// ocitree reads: oci:, oci-archive:, docker://.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/registry_flags.h"
#include "oci/image_reference.h"
#include "oci/image_source.h"
#include "oci/platform.h"
#include "oci/resolve.h"
#include "registry/registry_source.h"

namespace ocitree::cli {

namespace {

struct InspectArgs {
  std::string image;
  std::string platform;
  bool raw = false;
  bool config = false;
  bool no_tags = false;
  RegistryOptions registry;
};

int WriteBytes(ByteView bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
    return ReportError(Status::FromErrno("write to standard output", errno));
  }
  return 0;
}

// A member of the config's "config" object, or null (as skopeo prints
// absent Env and Labels).
nlohmann::ordered_json ConfigMember(const nlohmann::json& config, const char* name) {
  auto c = config.find("config");
  if (c == config.end() || !c->is_object()) return nullptr;
  auto it = c->find(name);
  if (it == c->end() || it->is_null()) return nullptr;
  return nlohmann::ordered_json::parse(it->dump());
}

Result<nlohmann::ordered_json> Summary(const oci::ImageReference& ref, oci::ImageSource& source,
                                       const oci::ResolvedImage& image, bool list_tags) {
  nlohmann::ordered_json out;
  if (ref.transport == oci::Transport::kDocker) out["Name"] = ref.registry + "/" + ref.repository;
  // The digest of what the reference names: the index, for a multi-platform image.
  out["Digest"] = image.index_bytes ? oci::Digest::Of(*image.index_bytes).ToString()
                                    : image.manifest_desc.digest.ToString();
  nlohmann::ordered_json tags = nlohmann::ordered_json::array();
  if (auto* registry = dynamic_cast<registry::RegistrySource*>(&source); registry && list_tags) {
    Result<std::vector<std::string>> listed = registry->ListTags();
    if (listed.ok()) {
      for (const std::string& t : *listed) tags.push_back(t);
    } else if (listed.status().code() == ErrorCode::kUnsupported) {
      // As skopeo: a registry that will not list tags leaves RepoTags empty.
      LogWarning(listed.status().message() + "; RepoTags left empty");
    } else {
      return listed.status().WithContext("listing tags (--no-tags skips it)");
    }
  }
  out["RepoTags"] = tags;
  nlohmann::json config = nlohmann::json::parse(image.config_bytes, nullptr, /*allow_exceptions=*/false);
  auto created = config.find("created");
  out["Created"] = created != config.end() && created->is_string() ? nlohmann::ordered_json(*created) : nullptr;
  out["DockerVersion"] = config.value("docker_version", "");
  out["Labels"] = ConfigMember(config, "Labels");
  out["Architecture"] = image.config.architecture;
  if (!image.config.variant.empty()) out["Variant"] = image.config.variant;
  out["Os"] = image.config.os;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  nlohmann::ordered_json layers_data = nlohmann::ordered_json::array();
  for (const oci::Descriptor& l : image.manifest.layers) {
    layers.push_back(l.digest.ToString());
    nlohmann::ordered_json annotations = nullptr;
    for (const auto& [k, v] : l.annotations) annotations[k] = v;
    layers_data.push_back({{"MIMEType", l.media_type}, {"Digest", l.digest.ToString()}, {"Size", l.size},
                           {"Annotations", annotations}});
  }
  out["Layers"] = layers;
  out["LayersData"] = layers_data;
  out["Env"] = ConfigMember(config, "Env");
  return out;
}

int RunInspect(InspectArgs& a) {
  Result<oci::ImageReference> ref = oci::ImageReference::Parse(a.image);
  if (!ref.ok()) return ReportError(ref.status());
  Result<std::unique_ptr<oci::ImageSource>> source =
      oci::OpenImageSource(*ref, registry::MakeRegistrySourceOpener(a.registry));
  if (!source.ok()) return ReportError(source.status());
  if (a.raw && !a.config) {
    // The document the reference names, whatever platforms it lists.
    auto top = (*source)->GetTopLevel();
    if (!top.ok()) return ReportError(top.status().WithContext((*source)->Describe()));
    return WriteBytes(top->second);
  }
  oci::Platform platform = oci::HostPlatform();
  if (!a.platform.empty()) {
    Result<oci::Platform> parsed = oci::ParsePlatform(a.platform);
    if (!parsed.ok()) return ReportError(parsed.status());
    platform = *parsed;
  }
  Result<oci::ResolvedImage> image = oci::ResolveImage(**source, platform);
  if (!image.ok()) return ReportError(image.status());
  if (a.config) {
    if (a.raw) return WriteBytes(image->config_bytes);
    nlohmann::json config = nlohmann::json::parse(image->config_bytes, nullptr, /*allow_exceptions=*/false);
    std::printf("%s\n", config.dump(4).c_str());
    return 0;
  }
  Result<nlohmann::ordered_json> summary = Summary(*ref, **source, *image, !a.no_tags);
  if (!summary.ok()) return ReportError(summary.status().WithContext((*source)->Describe()));
  std::printf("%s\n", summary->dump(4).c_str());
  return 0;
}

}  // namespace

void RegisterInspect(CLI::App& app, GlobalOptions& g) {
  static InspectArgs a;
  CLI::App* cmd = AddCommand(app, g, "inspect",
                             "Show an image's digest, platform, layers, environment and labels without pulling it "
                             "(JSON, as skopeo inspect)",
                             [] { return RunInspect(a); });
  cmd->add_option("IMAGE", a.image, "oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]")
      ->required();
  cmd->add_flag("--raw", a.raw, "Print the manifest (or index) exactly as stored; with --config, the config blob");
  cmd->add_flag("--config", a.config, "Print the image's config JSON");
  cmd->add_flag("--no-tags", a.no_tags, "Do not list the repository's tags (RepoTags stays empty)");
  cmd->add_option("--platform", a.platform,
                  "OS/ARCH[/VARIANT] to pick from a multi-platform index (default: this machine's)");
  AddRegistryFlags(cmd, &a.registry);
}

}  // namespace ocitree::cli
