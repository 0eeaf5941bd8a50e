// An oci-archive (an OCI image layout inside a tar file) as an ImageSource,
// read in place: the tar is scanned once for its member table, then every
// member is read with pread from its offset, so nothing is unpacked to disk
// and blobs can be read in parallel.
#ifndef OCITREE_OCI_ARCHIVE_SOURCE_H_
#define OCITREE_OCI_ARCHIVE_SOURCE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/io.h"
#include "oci/image_source.h"
#include "oci/index.h"

namespace ocitree::oci {

// Member names are normalised by dropping leading "./" and "/" and a
// trailing "/" ("./blobs/sha256/ab" -> "blobs/sha256/ab"). When a name
// occurs more than once the last entry wins, as extracting the tar would
// leave it (tar -r appends replacements that way); a later entry that is
// not a regular file or a hardlink to one removes the name. Symlinks are
// never followed. The archive must be a regular (seekable) file.
class ArchiveSource : public ImageSource {
 public:
  static Result<std::unique_ptr<ArchiveSource>> Open(const std::string& file, const std::string& tag);

  Result<std::pair<Descriptor, Bytes>> GetTopLevel() override;
  Result<std::unique_ptr<ByteReader>> OpenBlob(const Descriptor& desc) override;
  std::string Describe() const override;

  const Index& index() const { return index_; }

  struct Member {
    uint64_t offset = 0;  // of the content in the archive
    uint64_t size = 0;
  };
  // Normalised name -> content location.
  const std::map<std::string, Member>& members() const { return members_; }

 private:
  ArchiveSource(std::string file, std::string tag) : file_(std::move(file)), tag_(std::move(tag)) {}
  Status ScanMembers();
  Result<Bytes> ReadMember(const std::string& name, size_t max_size);

  std::string file_;
  std::string tag_;
  std::shared_ptr<const UniqueFd> fd_;
  std::map<std::string, Member> members_;
  Index index_;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_ARCHIVE_SOURCE_H_
