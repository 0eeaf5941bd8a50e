#include "oci/descriptor.h"

#include "oci/json_doc.h"

namespace ocitree::oci {

namespace {

// type "/" subtype, both non-empty, printable, no spaces: enough to catch a
// field filled with something else without policing registrations.
bool PlausibleMediaType(std::string_view t) {
  size_t slash = t.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == t.size()) return false;
  if (t.find('/', slash + 1) != std::string_view::npos) return false;
  for (char c : t) {
    if (c <= ' ' || c >= 127) return false;
  }
  return true;
}

}  // namespace

std::string Descriptor::Annotation(std::string_view key) const {
  auto it = annotations.find(std::string(key));
  return it == annotations.end() ? std::string() : it->second;
}

Result<Descriptor> DescriptorFromJson(const nlohmann::json& obj, std::string_view where) {
  std::string ctx(where);
  if (!obj.is_object()) return Corrupt(ctx + ": descriptor is not an object");
  Descriptor d;
  OCITREE_ASSIGN_OR_RETURN(d.media_type, GetString(obj, "mediaType", ctx, /*required=*/true));
  if (!PlausibleMediaType(d.media_type)) {
    return Corrupt(ctx + ": \"mediaType\" '" + d.media_type.substr(0, 100) + "' is not a media type");
  }
  OCITREE_ASSIGN_OR_RETURN(std::string digest, GetString(obj, "digest", ctx, /*required=*/true));
  Result<Digest> parsed = Digest::Parse(digest);
  if (!parsed.ok()) {
    // Malformed data in a document is corruption, not a caller's mistake.
    ErrorCode code = parsed.status().code() == ErrorCode::kInvalidArgument ? ErrorCode::kCorrupt
                                                                           : parsed.status().code();
    return Status::Error(code, ctx + ": " + parsed.status().message());
  }
  d.digest = *parsed;
  OCITREE_ASSIGN_OR_RETURN(d.size, GetUnsigned(obj, "size", ctx));
  OCITREE_ASSIGN_OR_RETURN(d.urls, GetStringArray(obj, "urls", ctx));
  OCITREE_ASSIGN_OR_RETURN(d.annotations, GetStringMap(obj, "annotations", ctx));
  OCITREE_ASSIGN_OR_RETURN(d.artifact_type, GetString(obj, "artifactType", ctx, false));
  if (const Json* platform = FindMember(obj, "platform")) {
    OCITREE_ASSIGN_OR_RETURN(d.platform, PlatformFromJson(*platform, ctx));
  }
  return d;
}

Result<Descriptor> Descriptor::Parse(ByteView bytes) {
  try {
    OCITREE_ASSIGN_OR_RETURN(Json doc, ParseJsonObject(bytes, "descriptor"));
    return DescriptorFromJson(doc, "descriptor");
  } catch (const std::exception& e) {
    return Corrupt(std::string("descriptor: ") + e.what());
  }
}

}  // namespace ocitree::oci
