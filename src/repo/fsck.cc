#include "repo/fsck.h"

#include <set>
#include <unordered_set>

#include "gvariant/view.h"

namespace ocitree {

Status VerifyContentObject(const ObjectStore& store, const Checksum& checksum) {
  OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store.OpenContent(checksum));
  OCITREE_RETURN_IF_ERROR(ValidateFileMeta(obj.meta));
  ContentHasher hasher;
  hasher.Begin(obj.meta);
  std::vector<uint8_t> buf(256 * 1024);
  uint64_t total = 0;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, obj.payload->Read(buf));
    if (n == 0) break;
    hasher.Update(ByteView(buf.data(), n));
    total += n;
  }
  if (total != obj.size) return Corrupt("payload has " + std::to_string(total) + " bytes, header says " + std::to_string(obj.size));
  Checksum actual = hasher.Finish();
  if (actual != checksum) return Corrupt("content hashes to " + actual.Hex());
  return {};
}

namespace {

class Fsck {
 public:
  explicit Fsck(const ObjectStore& store) : store_(store) {}

  void CheckCommit(const Checksum& c, const std::string& origin) {
    if (!visited_commits_.insert(c).second) return;
    report.commits++;
    auto bytes = LoadMetadata(ObjectType::kCommit, c, origin);
    if (!bytes) return;
    auto commit = ParseCommit(*bytes);
    if (!commit.ok()) return Problem(c, ObjectType::kCommit, origin, commit.status().message());
    if (store_.IsCommitPartial(c)) return;  // incomplete by design: counted, not traversed
    CheckDirMeta(commit->root_meta, "/");
    CheckTree(commit->root_tree, "/");
    if (commit->parent) {
      // History may be pruned away (ostree prune --depth): a missing parent is fine.
      auto have = store_.HasObject(*commit->parent, ObjectType::kCommit);
      if (have.ok() && *have) CheckCommit(*commit->parent, "parent of " + c.Hex());
    }
  }

  FsckReport report;

 private:
  void Problem(const Checksum& c, ObjectType type, const std::string& path, const std::string& message) {
    report.problems.push_back({c.Hex(), ObjectTypeName(type), path, message});
  }

  // Reads a metadata object and checks its checksum and normal form.
  std::optional<Bytes> LoadMetadata(ObjectType type, const Checksum& c, const std::string& path) {
    report.objects++;
    auto bytes = store_.ReadMetadataBytes(type, c);
    if (!bytes.ok()) {
      Problem(c, type, path, bytes.status().code() == ErrorCode::kNotFound ? "missing" : bytes.status().message());
      return std::nullopt;
    }
    Checksum actual = Sha256::Of(*bytes);
    if (actual != c) {
      Problem(c, type, path, "corrupt: hashes to " + actual.Hex());
      return std::nullopt;
    }
    auto view = gvariant::View::Parse(MetadataVariantType(type), *bytes);
    if (!view.ok()) {
      Problem(c, type, path, "corrupt: not in normal form: " + view.status().message());
      return std::nullopt;
    }
    return std::move(bytes).value();
  }

  void CheckDirMeta(const Checksum& c, const std::string& path) {
    if (!visited_.insert(c).second) return;
    auto bytes = LoadMetadata(ObjectType::kDirMeta, c, path);
    if (!bytes) return;
    auto meta = ParseDirMeta(*bytes);
    if (!meta.ok()) Problem(c, ObjectType::kDirMeta, path, meta.status().message());
  }

  void CheckTree(const Checksum& c, const std::string& path) {
    if (!visited_.insert(c).second) return;
    auto bytes = LoadMetadata(ObjectType::kDirTree, c, path);
    if (!bytes) return;
    auto tree = ParseDirTree(*bytes);
    if (!tree.ok()) return Problem(c, ObjectType::kDirTree, path, tree.status().message());
    std::string prefix = path == "/" ? "/" : path + "/";
    for (const auto& f : tree->files) {
      if (!visited_content_.insert(f.content).second) continue;
      report.objects++;
      Status s = VerifyContentObject(store_, f.content);
      if (!s.ok())
        Problem(f.content, ObjectType::kFile, prefix + f.name,
                s.code() == ErrorCode::kNotFound ? "missing" : s.message());
    }
    for (const auto& d : tree->dirs) {
      CheckDirMeta(d.meta, prefix + d.name);
      CheckTree(d.tree, prefix + d.name);
    }
  }

  const ObjectStore& store_;
  std::set<Checksum> visited_commits_;
  std::set<Checksum> visited_;  // dirtrees and dirmetas
  std::unordered_set<Checksum, ChecksumHash> visited_content_;
};

}  // namespace

Result<FsckReport> FsckRepo(const ObjectStore& store) {
  Fsck fsck(store);
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  for (const std::string& ref : refs) {
    auto target = store.ReadRef(ref);
    if (!target.ok() || !*target) {
      fsck.report.problems.push_back({"", "ref", ref, target.ok() ? "vanished" : target.status().message()});
      continue;
    }
    fsck.CheckCommit(**target, "ref " + ref);
  }
  // Commits no ref names are checked too, as ostree does.
  OCITREE_ASSIGN_OR_RETURN(auto objects, store.ListObjects());
  for (const auto& o : objects)
    if (o.type == ObjectType::kCommit) fsck.CheckCommit(o.checksum, "commit");
  return fsck.report;
}

}  // namespace ocitree
