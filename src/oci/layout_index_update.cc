#include "oci/layout_index_update.h"

#include <nlohmann/json.hpp>

#include <string>

#include "oci/index.h"
#include "oci/media_types.h"

namespace ocitree::oci {

namespace {

// Keeps members in the order they were read or added, so that rewriting
// someone else's index.json changes only what we meant to change.
using OrderedJson = nlohmann::ordered_json;

OrderedJson DescriptorToJson(const Descriptor& d, std::string_view tag) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.ToString();
  j["size"] = d.size;
  if (!d.urls.empty()) j["urls"] = d.urls;
  std::map<std::string, std::string> annotations = d.annotations;
  annotations.erase(std::string(kRefNameAnnotation));
  if (!tag.empty()) annotations[std::string(kRefNameAnnotation)] = std::string(tag);
  if (!annotations.empty()) j["annotations"] = annotations;
  if (d.platform) {
    OrderedJson p;
    p["architecture"] = d.platform->architecture;
    p["os"] = d.platform->os;
    if (!d.platform->os_version.empty()) p["os.version"] = d.platform->os_version;
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    j["platform"] = std::move(p);
  }
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  return j;
}

std::string RefName(const OrderedJson& entry) {
  auto a = entry.find("annotations");
  if (a == entry.end() || !a->is_object()) return "";
  auto n = a->find(std::string(kRefNameAnnotation));
  return n != a->end() && n->is_string() ? n->get<std::string>() : "";
}

std::string DigestOf(const OrderedJson& entry) {
  auto d = entry.find("digest");
  return d != entry.end() && d->is_string() ? d->get<std::string>() : "";
}

Bytes Serialise(const OrderedJson& doc) {
  std::string text = doc.dump();
  return Bytes(text.begin(), text.end());
}

}  // namespace

Bytes EmptyLayoutIndex() {
  OrderedJson doc;
  doc["schemaVersion"] = 2;
  doc["mediaType"] = kOciIndexType;
  doc["manifests"] = OrderedJson::array();
  return Serialise(doc);
}

Result<Bytes> AddToLayoutIndex(ByteView existing, const Descriptor& entry, std::string_view tag) {
  Bytes base = existing.empty() ? EmptyLayoutIndex() : Bytes(existing.begin(), existing.end());
  // Index::Parse applies the size, depth, UTF-8 and schema checks.
  Result<Index> parsed = Index::Parse(base);
  if (!parsed.ok()) {
    return Status::Error(ErrorCode::kCorrupt, "index.json: " + parsed.status().message());
  }
  try {
    OrderedJson doc = OrderedJson::parse(base.begin(), base.end());
    const std::string digest = entry.digest.ToString();
    OrderedJson manifests = OrderedJson::array();
    bool placed = false;
    for (auto& old : doc["manifests"]) {
      const std::string name = RefName(old);
      const bool replaced = (!tag.empty() && name == tag) || (name.empty() && DigestOf(old) == digest);
      if (!replaced) {
        manifests.push_back(std::move(old));
      } else if (!placed) {
        manifests.push_back(DescriptorToJson(entry, tag));
        placed = true;
      }
    }
    if (!placed) manifests.push_back(DescriptorToJson(entry, tag));
    doc["manifests"] = std::move(manifests);
    return Serialise(doc);
  } catch (const std::exception& e) {
    return Corrupt(std::string("index.json: ") + e.what());
  }
}

}  // namespace ocitree::oci
