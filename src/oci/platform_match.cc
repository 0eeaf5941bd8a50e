#include "oci/platform_match.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace ocitree::oci {

namespace {

// Most capable first.
std::vector<std::string_view> KnownVariants(std::string_view architecture) {
  if (architecture == "arm") return {"v8", "v7", "v6", "v5"};
  if (architecture == "arm64") return {"v8"};
  if (architecture == "amd64") return {"v4", "v3", "v2"};
  return {};
}

std::string_view NormalVariant(std::string_view architecture, std::string_view variant) {
  if (architecture == "amd64" && variant == "v1") return "";
  return variant;
}

bool Matches(const Platform& image, const Platform& candidate) {
  return image.os == candidate.os && image.architecture == candidate.architecture &&
         NormalVariant(image.architecture, image.variant) == candidate.variant;
}

}  // namespace

std::vector<Platform> CandidatePlatforms(const Platform& wanted) {
  std::string_view variant = NormalVariant(wanted.architecture, wanted.variant);
  std::vector<std::string_view> known = KnownVariants(wanted.architecture);
  std::vector<std::string_view> variants;
  if (!variant.empty()) {
    auto it = std::find(known.begin(), known.end(), variant);
    if (it != known.end()) {
      variants.assign(it, known.end());
    } else {
      variants.push_back(variant);
    }
    variants.push_back("");
  } else {
    variants.push_back("");
    // containers/image does not guess x86-64 micro-architecture levels.
    if (wanted.architecture != "amd64") variants.insert(variants.end(), known.begin(), known.end());
  }
  std::vector<Platform> out;
  for (std::string_view v : variants) {
    out.push_back(Platform{wanted.os, wanted.architecture, std::string(v), ""});
  }
  return out;
}

Result<Descriptor> SelectManifest(const Index& index, const Platform& wanted) {
  for (const Platform& candidate : CandidatePlatforms(wanted)) {
    for (const Descriptor& entry : index.manifests) {
      if (entry.platform && Matches(*entry.platform, candidate)) return entry;
    }
  }
  if (index.manifests.empty()) return NotFound("the image index lists no images");
  std::vector<std::string> available;
  for (const Descriptor& entry : index.manifests) {
    std::string name = entry.platform ? entry.platform->ToString() : "(no platform)";
    if (std::find(available.begin(), available.end(), name) == available.end()) {
      available.push_back(std::move(name));
    }
  }
  std::string list;
  for (const std::string& name : available) list += (list.empty() ? "" : ", ") + name;
  return NotFound("no image for platform " + wanted.ToString() + " in the image index (it has " +
                  list + "); choose one with --platform");
}

}  // namespace ocitree::oci
