#include "oci/json_doc.h"

#include "oci/limits.h"

namespace ocitree::oci {

namespace {

// nlohmann's parser keeps its own stack, but destroying and walking a deep
// value recurses; a cheap scan refuses deep input before any of that.
bool NestingWithin(ByteView bytes, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (uint8_t c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

Status Bad(std::string_view where, std::string_view key, std::string_view problem) {
  std::string msg(where);
  msg += ": \"";
  msg += key;
  msg += "\" ";
  msg += problem;
  return Corrupt(std::move(msg));
}

}  // namespace

Result<Json> ParseJsonObject(ByteView bytes, std::string_view what) {
  std::string name(what);
  if (bytes.size() > kMaxJsonSize) {
    return Unsupported(name + ": " + std::to_string(bytes.size()) + " bytes is over the " +
                   std::to_string(kMaxJsonSize) + "-byte limit for JSON documents");
  }
  if (!NestingWithin(bytes, kMaxJsonDepth)) {
    return Unsupported(name + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    Json doc = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Corrupt(name + ": not valid JSON");
    if (!doc.is_object()) return Corrupt(name + ": the JSON document is not an object");
    return doc;
  } catch (const std::exception& e) {
    // Only allocation failures are expected here.
    return Corrupt(name + ": cannot parse JSON: " + e.what());
  }
}

const Json* FindMember(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view where,
                              bool required) {
  const Json* v = FindMember(obj, key);
  if (v == nullptr) {
    if (required) return Bad(where, key, "is missing");
    return std::string();
  }
  if (!v->is_string()) return Bad(where, key, "is not a string");
  return v->get_ref<const std::string&>();
}

Result<uint64_t> GetUnsigned(const Json& obj, std::string_view key, std::string_view where) {
  const Json* v = FindMember(obj, key);
  if (v == nullptr) return Bad(where, key, "is missing");
  // nlohmann keeps integers that fit uint64 as number_unsigned, negative ones
  // as number_integer and everything else (fractions, exponents, overflow)
  // as number_float.
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer()) return Bad(where, key, "is negative");
  return Bad(where, key, "is not a non-negative integer");
}

Result<bool> GetBool(const Json& obj, std::string_view key, std::string_view where) {
  const Json* v = FindMember(obj, key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) return Bad(where, key, "is not a boolean");
  return v->get<bool>();
}

Result<const Json*> GetArray(const Json& obj, std::string_view key, std::string_view where,
                             bool required) {
  const Json* v = FindMember(obj, key);
  if (v == nullptr) {
    if (required) return Bad(where, key, "is missing");
    return v;
  }
  if (!v->is_array()) return Bad(where, key, "is not an array");
  if (v->size() > kMaxEntries) {
    return Unsupported(std::string(where) + ": \"" + std::string(key) + "\" has " +
                       std::to_string(v->size()) + " entries, over the limit of " +
                       std::to_string(kMaxEntries));
  }
  return v;
}

Result<const Json*> GetObject(const Json& obj, std::string_view key, std::string_view where,
                              bool required) {
  const Json* v = FindMember(obj, key);
  if (v == nullptr) {
    if (required) return Bad(where, key, "is missing");
    return v;
  }
  if (!v->is_object()) return Bad(where, key, "is not an object");
  return v;
}

Result<std::vector<std::string>> GetStringArray(const Json& obj, std::string_view key,
                                                std::string_view where) {
  OCITREE_ASSIGN_OR_RETURN(const Json* arr, GetArray(obj, key, where, /*required=*/false));
  std::vector<std::string> out;
  if (arr == nullptr) return out;
  for (const Json& item : *arr) {
    if (!item.is_string()) return Bad(where, key, "has an entry that is not a string");
    out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

Result<std::map<std::string, std::string>> GetStringMap(const Json& obj, std::string_view key,
                                                        std::string_view where) {
  OCITREE_ASSIGN_OR_RETURN(const Json* map, GetObject(obj, key, where, /*required=*/false));
  std::map<std::string, std::string> out;
  if (map == nullptr) return out;
  if (map->size() > kMaxEntries) {
    return Unsupported(std::string(where) + ": \"" + std::string(key) + "\" has over " +
                       std::to_string(kMaxEntries) + " entries");
  }
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it.value().is_string()) {
      return Bad(where, key, "value of \"" + it.key() + "\" is not a string");
    }
    out.emplace(it.key(), it.value().get_ref<const std::string&>());
  }
  return out;
}

}  // namespace ocitree::oci
