#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "base/time_format.h"
#include "cli/cli.h"
#include "ocitree/image.h"

namespace ocitree::cli {

void RegisterImages(CLI::App& app, GlobalOptions& g) {
  static bool json = false;
  CLI::App* cmd = AddCommand(app, g, "images", "List the images pulled into the repository", [&g] {
    auto repo = OpenRepo(g);
    if (!repo.ok()) return ReportError(repo.status());
    auto images = ListImages(*repo);
    if (!images.ok()) return ReportError(images.status());
    std::map<std::string, int> users;  // diff_id -> images listing it
    for (const ImageInfo& i : *images)
      for (const std::string& d : i.diff_ids) users[d]++;
    if (json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ImageInfo& i : *images) {
        nlohmann::json layers = nlohmann::json::array();
        for (const std::string& d : i.diff_ids) layers.push_back({{"diff_id", d}, {"images", users[d]}});
        out.push_back({{"branch", i.branch}, {"commit", i.commit}, {"reference", i.reference},
                       {"manifest_digest", i.manifest_digest}, {"architecture", i.architecture},
                       {"storage", i.storage}, {"layers", i.layers}, {"size", i.compressed_size},
                       {"created", FormatRfc3339(i.created)}, {"layer_list", layers}});
      }
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    if (images->empty()) {
      std::printf("No images (pull one with 'ocitree pull IMAGE')\n");
      return 0;
    }
    for (const ImageInfo& i : *images) {
      std::printf("%s\n  reference: %s\n  manifest:  %s\n  layers:    %zu (%s compressed), %s, %s\n", i.branch.c_str(),
                  i.reference.c_str(), i.manifest_digest.c_str(), i.layers, HumanBytes(i.compressed_size).c_str(),
                  i.architecture.empty() ? "unknown architecture" : i.architecture.c_str(), i.storage.c_str());
      for (const std::string& d : i.diff_ids) {
        int others = users[d] - 1;
        std::printf("    %s%s\n", d.c_str(),
                    others > 0 ? (" (shared with " + std::to_string(others) + " other image" + (others > 1 ? "s)" : ")")).c_str() : "");
      }
    }
    return 0;
  });
  cmd->add_flag("--json", json, "Print a JSON array");
}

}  // namespace ocitree::cli
