// Restoring the commit an exported image carries (carried_commit.h) when it
// is pulled, and the image record kept beside such a commit.
//
// When the tree the layers built has exactly the root dirtree and dirmeta
// the carried commit names, the pull writes the ORIGINAL commit object (and
// its detached metadata) and moves the branch to it: same checksum, subject,
// body, timestamp, metadata, parent and signatures. Otherwise (the image was
// changed after export, or a hook or --prefix changed the tree) the pull
// makes a normal image commit and warns why.
//
// A restored commit cannot hold ocitree's image record (its metadata is the
// original's), so the record goes into a companion commit on
// "ocitree/record/<branch>": the image metadata of a normal image commit
// (image_metadata.h), the restored commit as its parent and the same root
// tree, so it costs one small object. Whoever asks "which image does this
// branch hold" (images, the up-to-date check of pull, push --reconstruct,
// prune) reads the companion when its parent is the branch head
// (BranchImageRecord). Prune keeps a companion while its restored commit is
// on its branch (head or history) and drops it, with the layers only it
// lists, once the branch is deleted or has moved away.
#ifndef OCITREE_BRIDGE_COMMIT_RESTORE_H_
#define OCITREE_BRIDGE_COMMIT_RESTORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/image_metadata.h"
#include "oci/image_config.h"
#include "repo/transaction.h"

namespace ocitree {

inline constexpr char kRecordRefPrefix[] = "ocitree/record/";

// "ocitree/record/<branch>".
std::string RecordRef(std::string_view branch);
bool IsRecordRef(std::string_view ref);
// The branch a record ref belongs to ("" if `ref` is not one).
std::string RecordBranch(std::string_view ref);

// When `config` carries a commit whose root is (`tree`, `meta`): writes
// that commit and its detached metadata, a companion commit holding
// `record`, and sets `branch` and its record ref. Returns the restored
// commit, or nullopt when the image carries none or it does not match (then
// a warning says why, and nothing was written).
Result<std::optional<Checksum>> RestoreCarriedCommit(Transaction& txn, const oci::ImageConfig& config,
                                                     const Checksum& tree, const Checksum& meta,
                                                     const ImageRecord& record, const std::string& branch);

struct BranchImage {
  ImageRecord record;
  Checksum record_commit;  // the commit holding `record`: the head, or its companion
  bool restored = false;   // the head is a restored commit; the record is on its companion
};

// The image `branch` (at `head`) holds: its companion's record when the
// companion's parent is `head`, else the head's own record; nullopt when
// neither is an image.
Result<std::optional<BranchImage>> ReadBranchImage(const ObjectStore& store, std::string_view branch,
                                                   const Checksum& head);

// Record refs among `refs` whose restored commit is no longer on their
// branch (the branch is gone, or neither its head nor any commit of its
// history is the record's parent).
Result<std::vector<std::string>> StaleRecordRefs(const ObjectStore& store, const std::vector<std::string>& refs);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_COMMIT_RESTORE_H_
