#include "bridge/commit_restore.h"

#include <set>

#include "base/log.h"
#include "bridge/carried_commit.h"

namespace ocitree {

std::string RecordRef(std::string_view branch) { return kRecordRefPrefix + std::string(branch); }

bool IsRecordRef(std::string_view ref) { return ref.rfind(kRecordRefPrefix, 0) == 0; }

std::string RecordBranch(std::string_view ref) {
  if (!IsRecordRef(ref)) return "";
  return std::string(ref.substr(sizeof(kRecordRefPrefix) - 1));
}

Result<std::optional<Checksum>> RestoreCarriedCommit(Transaction& txn, const oci::ImageConfig& config,
                                                     const Checksum& tree, const Checksum& meta,
                                                     const ImageRecord& record, const std::string& branch) {
  auto carried = ReadCarriedCommit(config.labels);
  if (!carried.ok()) {
    LogWarning("the image carries an ostree commit that cannot be used (" + carried.status().message() +
               "): storing it as a new image commit instead");
    return std::optional<Checksum>();
  }
  if (!*carried) return std::optional<Checksum>();
  const CarriedCommit& c = **carried;
  if (c.commit.root_tree != tree || c.commit.root_meta != meta) {
    LogWarning("the image carries ostree commit " + c.checksum.Hex() + ", but its layers give another tree (root " +
               tree.Hex() + "/" + meta.Hex() + ", the commit names " + c.commit.root_tree.Hex() + "/" +
               c.commit.root_meta.Hex() +
               "): the image was changed after it was pushed, or the pull changed its content (hooks, --prefix, "
               "a repository mode that canonicalises owners and modes); storing it as a new image commit instead");
    return std::optional<Checksum>();
  }
  OCITREE_ASSIGN_OR_RETURN(Checksum written, txn.WriteMetadata(ObjectType::kCommit, c.object));
  if (written != c.checksum) return Internal("restored commit got checksum " + written.Hex());
  if (c.detached) OCITREE_RETURN_IF_ERROR(txn.WriteDetachedMetadata(c.checksum, *c.detached));

  const std::string record_ref = RecordRef(branch);
  if (!IsValidRefName(record_ref)) return InvalidArgument("invalid record ref '" + record_ref + "'");
  CommitObject companion;
  OCITREE_ASSIGN_OR_RETURN(companion.metadata, BuildImageMetadata(record, record_ref));
  companion.parent = c.checksum;
  companion.subject = "Image " + record.reference;
  companion.body = "Manifest " + record.manifest_digest + "\n\nThe branch " + branch + " holds commit " +
                   c.checksum.Hex() + " restored from this image; this commit keeps the image record.";
  companion.timestamp = c.commit.timestamp;
  companion.root_tree = tree;
  companion.root_meta = meta;
  OCITREE_ASSIGN_OR_RETURN(Checksum rc, txn.WriteMetadata(ObjectType::kCommit, SerializeCommit(companion)));
  txn.SetRef(branch, c.checksum);
  txn.SetRef(record_ref, rc);
  return std::optional<Checksum>(c.checksum);
}

Result<std::optional<BranchImage>> ReadBranchImage(const ObjectStore& store, std::string_view branch,
                                                   const Checksum& head) {
  BranchImage out;
  OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> companion, store.ReadRef(RecordRef(branch)));
  if (companion) {
    auto commit = store.ReadCommit(*companion);
    if (commit.ok() && commit->parent == head) {
      OCITREE_ASSIGN_OR_RETURN(bool is_image, ReadImageRecord(*commit, &out.record));
      if (is_image) {
        out.record_commit = *companion;
        out.restored = true;
        return std::optional<BranchImage>(std::move(out));
      }
    }
  }
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store.ReadCommit(head));
  OCITREE_ASSIGN_OR_RETURN(bool is_image, ReadImageRecord(commit, &out.record));
  if (!is_image) return std::optional<BranchImage>();
  out.record_commit = head;
  return std::optional<BranchImage>(std::move(out));
}

Result<std::vector<std::string>> StaleRecordRefs(const ObjectStore& store, const std::vector<std::string>& refs) {
  std::vector<std::string> stale;
  std::set<std::string> all(refs.begin(), refs.end());
  for (const std::string& ref : refs) {
    if (!IsRecordRef(ref)) continue;
    OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> target, store.ReadRef(ref));
    std::optional<Checksum> restored;
    if (target) {
      auto commit = store.ReadCommit(*target);
      if (commit.ok()) restored = commit->parent;
    }
    bool on_branch = false;
    const std::string branch = RecordBranch(ref);
    if (restored && all.count(branch)) {
      OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> next, store.ReadRef(branch));
      std::set<Checksum> seen;
      while (next && seen.insert(*next).second) {
        if (*next == *restored) {
          on_branch = true;
          break;
        }
        auto commit = store.ReadCommit(*next);
        if (!commit.ok()) break;  // history pruned below here
        next = commit->parent;
      }
    }
    if (!on_branch) stale.push_back(ref);
  }
  return stale;
}

}  // namespace ocitree
