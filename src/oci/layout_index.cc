#include "oci/layout_index.h"

#include <vector>

#include "oci/json_doc.h"
#include "oci/media_types.h"

namespace ocitree::oci {

namespace {

// Tags, then untagged entries by digest, for "choose one of" messages.
std::string ListEntries(const Index& index) {
  std::string out;
  for (const Descriptor& d : index.manifests) {
    std::string tag = d.Annotation(kRefNameAnnotation);
    std::string name = tag.empty() ? "untagged " + d.digest.ToString().substr(0, 19) : "'" + tag + "'";
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

}  // namespace

Status CheckLayoutHeader(ByteView bytes, std::string_view where) {
  std::string ctx = std::string(where) + ": " + std::string(kOciLayoutFile);
  try {
    OCITREE_ASSIGN_OR_RETURN(Json doc, ParseJsonObject(bytes, ctx));
    Result<std::string> version = GetString(doc, "imageLayoutVersion", ctx, true);
    if (!version.ok()) return version.status();
    if (!version->starts_with("1.")) {
      return Unsupported(ctx + ": imageLayoutVersion '" + version->substr(0, 32) +
                         "' is not supported (only 1.x)");
    }
    return {};
  } catch (const std::exception& e) {
    return Corrupt(ctx + ": " + e.what());
  }
}

std::string BlobPath(const Digest& digest) {
  return "blobs/" + std::string(digest.algorithm()) + "/" + digest.Hex();
}

Result<Descriptor> FindImageEntry(const Index& index, std::string_view tag, std::string_view where) {
  std::string ctx(where);
  if (!tag.empty()) {
    for (const Descriptor& d : index.manifests) {
      if (d.Annotation(kRefNameAnnotation) == tag) return d;
    }
    if (index.manifests.empty()) return NotFound(ctx + ": no image tagged '" + std::string(tag) + "' (the layout is empty)");
    return NotFound(ctx + ": no image tagged '" + std::string(tag) + "' (it has " + ListEntries(index) + ")");
  }
  if (index.manifests.empty()) return NotFound(ctx + ": the layout holds no images");
  if (index.manifests.size() > 1) {
    return InvalidArgument(ctx + ": the layout holds " + std::to_string(index.manifests.size()) +
                           " images; name one with :TAG (it has " + ListEntries(index) + ")");
  }
  return index.manifests.front();
}

}  // namespace ocitree::oci
