// The commit object (a{sv}aya(say)sstayay) and its a{sv} metadata (FORMATS 2.5).
#ifndef OCITREE_REPO_COMMIT_OBJECT_H_
#define OCITREE_REPO_COMMIT_OBJECT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/checksum.h"
#include "ocitree/status.h"

namespace ocitree {

struct CommitObject {
  Bytes metadata;  // serialised a{sv}, kept byte for byte
  std::optional<Checksum> parent;
  std::string subject;
  std::string body;
  uint64_t timestamp = 0;
  Checksum root_tree;
  Checksum root_meta;
};

Bytes SerializeCommit(const CommitObject& commit);
Result<CommitObject> ParseCommit(ByteView bytes);

// Builds a{sv} metadata with keys in sorted order, so the same metadata
// always gives the same commit checksum.
class MetadataBuilder {
 public:
  MetadataBuilder& SetString(const std::string& key, std::string_view value);
  MetadataBuilder& SetStringArray(const std::string& key, const std::vector<std::string>& values);
  // Any value: its type string and serialisation.
  MetadataBuilder& Set(const std::string& key, std::string type, Bytes value);
  Bytes Finish() const;

 private:
  std::map<std::string, std::pair<std::string, Bytes>> entries_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_COMMIT_OBJECT_H_
