#include "oci/image_config.h"

#include "base/time_format.h"
#include "oci/json_doc.h"

namespace ocitree::oci {

namespace {

constexpr std::string_view kConfigWhere = "image config";
constexpr std::string_view kRootfs = "image config rootfs";

Result<std::optional<int64_t>> GetTime(const Json& obj, std::string_view key, std::string_view where) {
  OCITREE_ASSIGN_OR_RETURN(std::string text, GetString(obj, key, where, false));
  if (text.empty()) return std::optional<int64_t>();
  // ParseTimestamp also takes "@SECONDS" for the command line; JSON dates
  // are RFC 3339 only.
  Result<int64_t> t = ParseTimestamp(text);
  if (text[0] == '@' || !t.ok()) {
    return Corrupt(std::string(where) + ": \"" + std::string(key) + "\" '" + text.substr(0, 64) +
                   "' is not an RFC 3339 time");
  }
  return std::optional<int64_t>(*t);
}

Result<std::vector<Digest>> GetDiffIds(const Json& rootfs) {
  OCITREE_ASSIGN_OR_RETURN(std::string type, GetString(rootfs, "type", kRootfs, true));
  if (type != "layers") {
    return Unsupported(std::string(kRootfs) + ": type '" + type.substr(0, 64) + "' is not \"layers\"");
  }
  // Required even when empty: a config without it describes no filesystem.
  OCITREE_RETURN_IF_ERROR(GetArray(rootfs, "diff_ids", kRootfs, /*required=*/true).status());
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> texts, GetStringArray(rootfs, "diff_ids", kRootfs));
  std::vector<Digest> out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); i++) {
    Result<Digest> d = Digest::Parse(texts[i]);
    if (!d.ok()) {
      ErrorCode code =
          d.status().code() == ErrorCode::kInvalidArgument ? ErrorCode::kCorrupt : d.status().code();
      return Status::Error(code, std::string(kRootfs) + ": diff_id " + std::to_string(i) + ": " +
                                     d.status().message());
    }
    out.push_back(*d);
  }
  return out;
}

Result<HistoryEntry> GetHistoryEntry(const Json& obj, size_t i) {
  std::string where = "image config history " + std::to_string(i);
  if (!obj.is_object()) return Corrupt(where + ": not an object");
  HistoryEntry h;
  OCITREE_ASSIGN_OR_RETURN(h.created, GetTime(obj, "created", where));
  OCITREE_ASSIGN_OR_RETURN(h.created_by, GetString(obj, "created_by", where, false));
  OCITREE_ASSIGN_OR_RETURN(h.author, GetString(obj, "author", where, false));
  OCITREE_ASSIGN_OR_RETURN(h.comment, GetString(obj, "comment", where, false));
  OCITREE_ASSIGN_OR_RETURN(h.empty_layer, GetBool(obj, "empty_layer", where));
  return h;
}

Result<ImageConfig> ParseConfig(Bytes bytes) {
  OCITREE_ASSIGN_OR_RETURN(Json doc, ParseJsonObject(bytes, kConfigWhere));
  ImageConfig c;
  OCITREE_ASSIGN_OR_RETURN(c.architecture, GetString(doc, "architecture", kConfigWhere, true));
  OCITREE_ASSIGN_OR_RETURN(c.os, GetString(doc, "os", kConfigWhere, true));
  OCITREE_ASSIGN_OR_RETURN(c.variant, GetString(doc, "variant", kConfigWhere, false));
  OCITREE_ASSIGN_OR_RETURN(c.os_version, GetString(doc, "os.version", kConfigWhere, false));
  OCITREE_ASSIGN_OR_RETURN(c.created, GetTime(doc, "created", kConfigWhere));
  OCITREE_ASSIGN_OR_RETURN(c.author, GetString(doc, "author", kConfigWhere, false));
  OCITREE_ASSIGN_OR_RETURN(const Json* rootfs, GetObject(doc, "rootfs", kConfigWhere, true));
  OCITREE_ASSIGN_OR_RETURN(c.diff_ids, GetDiffIds(*rootfs));
  OCITREE_ASSIGN_OR_RETURN(const Json* config, GetObject(doc, "config", kConfigWhere, false));
  if (config != nullptr) {
    OCITREE_ASSIGN_OR_RETURN(c.labels, GetStringMap(*config, "Labels", "image config config"));
  }
  OCITREE_ASSIGN_OR_RETURN(const Json* history, GetArray(doc, "history", kConfigWhere, false));
  if (history != nullptr) {
    for (size_t i = 0; i < history->size(); i++) {
      OCITREE_ASSIGN_OR_RETURN(HistoryEntry h, GetHistoryEntry((*history)[i], i));
      c.history.push_back(std::move(h));
    }
  }
  c.raw = std::move(bytes);
  return c;
}

}  // namespace

Result<ImageConfig> ImageConfig::Parse(Bytes bytes) {
  try {
    return ParseConfig(std::move(bytes));
  } catch (const std::exception& e) {
    return Corrupt(std::string(kConfigWhere) + ": " + e.what());
  }
}

}  // namespace ocitree::oci
