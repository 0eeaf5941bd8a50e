// An OCI image layout directory as an ImageDestination (oci:DIR[:TAG]),
// written the way the reading side (layout_source.h) trusts it:
//
//   - DIR is created if missing (its parent must exist). An empty DIR
//     becomes a layout at once: oci-layout, an empty index.json and
//     blobs/sha256/, so that a push that fails later leaves a valid layout
//     rather than a directory the next attempt would refuse. An existing
//     DIR must be a layout (oci-layout 1.x, a valid index.json or none);
//     anything else non-empty is refused (kAlreadyExists), nothing touched.
//   - Nothing is followed out of DIR: every path below it is opened
//     relative to a directory fd with O_NOFOLLOW; a symlinked blobs/ or
//     blobs/sha256/, oci-layout or index.json is refused (kCorrupt). DIR
//     itself may be a symlink: it is the user's choice.
//   - A blob streams into a temporary file in DIR (".ocitree-blob-*"; the
//     layout root, where unknown files must be ignored, rather than
//     blobs/sha256/, where a leftover from a crash would look like a bad
//     blob), is fdatasync'd, then renamed to blobs/sha256/<hex>. A blob of
//     that name and size already there is kept and the new copy dropped
//     (existed), and HasBlob says yes to it, without re-hashing it (as
//     containers/image trusts a layout's blobs); one of another size is
//     damaged and gets replaced.
//   - Commit fsyncs the blob directories, re-reads index.json, adds the
//     image (AddToLayoutIndex: same tag replaced, other images kept),
//     writes it to a temporary file, fdatasyncs and renames it over
//     index.json, and fsyncs DIR.
//   - Dropped without Commit: blob temporaries are removed, index.json is
//     unchanged; blobs already stored stay (unreferenced blobs are allowed
//     and make a retry cheaper), except that a DIR this destination created
//     is removed whole, so a failed push into a new directory leaves nothing.
//
// Concurrent writers to one layout are not coordinated (as with skopeo):
// both Commits succeed, and the index.json written last wins.
#ifndef OCITREE_OCI_LAYOUT_DESTINATION_H_
#define OCITREE_OCI_LAYOUT_DESTINATION_H_

#include <map>
#include <memory>
#include <string>

#include "base/io.h"
#include "oci/image_destination.h"

namespace ocitree::oci {

class LayoutDestination : public ImageDestination {
 public:
  // oci:DIR[:TAG]
  static Result<std::unique_ptr<LayoutDestination>> Open(const std::string& dir, const std::string& tag);

  // A layout in `dir_fd`, an empty directory that the caller owns (and
  // removes): ArchiveDestination stages its blobs there. Nothing is synced,
  // and `describe` names the destination in messages.
  static Result<std::unique_ptr<LayoutDestination>> OpenStaging(UniqueFd dir_fd, const std::string& tag,
                                                                std::string describe);

  ~LayoutDestination() override;

  Result<bool> HasBlob(const Digest& digest, uint64_t size) override;
  Result<std::unique_ptr<BlobWriter>> StartBlob(std::string media_type, BlobExpectation expected = {}) override;
  Status PutManifest(const Descriptor& desc, ByteView bytes) override;
  Status Commit(const Descriptor& top_level) override;
  std::string Describe() const override { return describe_; }

  // The layout's directory fds (internal), shared with blob writers so that
  // a writer outliving its destination fails cleanly rather than crashing.
  struct Dirs;

 private:
  LayoutDestination(std::shared_ptr<const Dirs> dirs, std::string tag, std::string describe)
      : dirs_(std::move(dirs)), tag_(std::move(tag)), describe_(std::move(describe)) {}
  Status CheckOpen(const char* what) const;
  void RemoveCreatedDir();

  std::shared_ptr<const Dirs> dirs_;
  std::string tag_;
  std::string describe_;
  std::map<Digest, Descriptor> manifests_;  // stored by PutManifest
  bool closed_ = false;                     // Commit was called
  bool committed_ = false;                  // and succeeded
  // Set when Open created DIR: how to remove it again.
  UniqueFd created_parent_fd_;
  std::string created_name_;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_LAYOUT_DESTINATION_H_
