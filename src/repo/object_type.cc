#include "repo/object_type.h"

namespace ocitree {

const char* ObjectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kFile: return "file";
    case ObjectType::kDirTree: return "dirtree";
    case ObjectType::kDirMeta: return "dirmeta";
    case ObjectType::kCommit: return "commit";
    case ObjectType::kTombstoneCommit: return "tombstone-commit";
    case ObjectType::kCommitMeta: return "commitmeta";
  }
  return "unknown";
}

std::string_view MetadataVariantType(ObjectType type) {
  switch (type) {
    case ObjectType::kDirTree: return "(a(say)a(sayay))";
    case ObjectType::kDirMeta: return "(uuua(ayay))";
    case ObjectType::kCommit: return "(a{sv}aya(say)sstayay)";
    case ObjectType::kTombstoneCommit:
    case ObjectType::kCommitMeta: return "a{sv}";
    case ObjectType::kFile: break;
  }
  return "";
}

std::string LooseObjectPath(const Checksum& checksum, ObjectType type, RepoMode mode) {
  std::string hex = checksum.Hex();
  std::string path = "objects/";
  path.append(hex, 0, 2);
  path += '/';
  path.append(hex, 2, std::string::npos);
  path += '.';
  if (type == ObjectType::kFile)
    path += mode == RepoMode::kArchive ? "filez" : "file";
  else
    path += ObjectTypeName(type);
  return path;
}

bool ObjectTypeFromExtension(std::string_view ext, ObjectType* type) {
  static constexpr std::pair<std::string_view, ObjectType> kTable[] = {
      {"file", ObjectType::kFile},         {"filez", ObjectType::kFile},
      {"dirtree", ObjectType::kDirTree},   {"dirmeta", ObjectType::kDirMeta},
      {"commit", ObjectType::kCommit},     {"tombstone-commit", ObjectType::kTombstoneCommit},
      {"commitmeta", ObjectType::kCommitMeta},
  };
  for (const auto& [name, t] : kTable) {
    if (name == ext) {
      *type = t;
      return true;
    }
  }
  return false;
}

}  // namespace ocitree
