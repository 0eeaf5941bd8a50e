// Object kinds and where each lives in objects/ (FORMATS.md 2.1, 3.1).
#ifndef OCITREE_REPO_OBJECT_TYPE_H_
#define OCITREE_REPO_OBJECT_TYPE_H_

#include <string>
#include <string_view>

#include "base/checksum.h"
#include "ocitree/repo.h"

namespace ocitree {

enum class ObjectType {
  kFile = 1,
  kDirTree = 2,
  kDirMeta = 3,
  kCommit = 4,
  kTombstoneCommit = 5,
  kCommitMeta = 6,
};

const char* ObjectTypeName(ObjectType type);  // "commit", "dirtree", ...
inline bool IsMetadataType(ObjectType t) { return t != ObjectType::kFile; }
// GVariant type string of a metadata object.
std::string_view MetadataVariantType(ObjectType type);

// "objects/ab/cdef....commit"; content objects get ".filez" in archive mode.
std::string LooseObjectPath(const Checksum& checksum, ObjectType type, RepoMode mode);

// File-name extension to object type, for walking objects/ (false if unknown).
bool ObjectTypeFromExtension(std::string_view ext, ObjectType* type);

}  // namespace ocitree

#endif  // OCITREE_REPO_OBJECT_TYPE_H_
