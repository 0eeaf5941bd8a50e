// An oci-archive (an OCI image layout in a tar file) as an ImageDestination
// (oci-archive:FILE[:TAG]).
//
// Blobs are staged in a layout in a private directory beside FILE
// (".<name>.ocitree-staging-*", mode 0700). Commit packs it with the
// deterministic tar writer into a temporary file beside FILE, fdatasyncs it
// and renames it over FILE; the same image always gives the same archive
// bytes. Members, all owned 0:0 with mtime 0: "oci-layout", "index.json",
// "blobs/", "blobs/sha256/" (0755), then the blobs sorted by digest (0644).
// The image is the archive's only index.json entry, tagged TAG if one was
// given.
//
// An existing FILE is replaced whole, as skopeo does: images it held are
// not carried over (use an oci: layout to keep several). FILE must be a
// regular file or not exist; a symlink, directory or other kind is refused
// rather than written through. Nothing is written anywhere but beside FILE,
// and the staging directory and temporary file are removed on success, on
// error, and when the destination is dropped without Commit.
#ifndef OCITREE_OCI_ARCHIVE_DESTINATION_H_
#define OCITREE_OCI_ARCHIVE_DESTINATION_H_

#include <memory>
#include <string>

#include "base/io.h"
#include "oci/image_destination.h"
#include "oci/layout_destination.h"

namespace ocitree::oci {

class ArchiveDestination : public ImageDestination {
 public:
  static Result<std::unique_ptr<ArchiveDestination>> Open(const std::string& file, const std::string& tag);
  ~ArchiveDestination() override;

  Result<bool> HasBlob(const Digest& digest, uint64_t size) override;
  Result<std::unique_ptr<BlobWriter>> StartBlob(std::string media_type, BlobExpectation expected = {}) override;
  Status PutManifest(const Descriptor& desc, ByteView bytes) override;
  Status Commit(const Descriptor& top_level) override;
  std::string Describe() const override { return describe_; }

 private:
  explicit ArchiveDestination(std::string describe) : describe_(std::move(describe)) {}
  Status CheckOpen(const char* what) const;
  Status Pack();
  Status WriteMembers(int tar_fd);
  void Cleanup();

  std::string describe_;
  UniqueFd parent_fd_;       // FILE's directory
  std::string name_;         // FILE's name in it
  UniqueFd staging_fd_;      // the staging layout, for reading it back
  std::string staging_name_;  // "" once removed
  std::string temp_name_;    // the archive being written; "" when none
  std::unique_ptr<LayoutDestination> staging_;
  bool closed_ = false;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_ARCHIVE_DESTINATION_H_
