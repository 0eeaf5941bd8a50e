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

// Builds a{sv} metadata in the order keys are first set (setting a key again
// replaces its value in place). `ostree commit` writes its metadata in
// command-line order with ostree.ref-binding last; following that order is
// what gives the same commit checksum as ostree.
class MetadataBuilder {
 public:
  MetadataBuilder& SetString(const std::string& key, std::string_view value);
  MetadataBuilder& SetStringArray(const std::string& key, const std::vector<std::string>& values);
  // Any value: its type string and serialisation.
  MetadataBuilder& Set(const std::string& key, std::string type, Bytes value);
  Bytes Finish() const;

 private:
  struct Entry {
    std::string key;
    std::string type;
    Bytes value;
  };
  std::vector<Entry> entries_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_COMMIT_OBJECT_H_
