// An OCI image layout directory (oci:DIR[:TAG]) as an ImageSource.
#ifndef OCITREE_OCI_LAYOUT_SOURCE_H_
#define OCITREE_OCI_LAYOUT_SOURCE_H_

#include <memory>
#include <string>
#include <utility>

#include "base/io.h"
#include "oci/image_source.h"
#include "oci/index.h"

namespace ocitree::oci {

// Every file is opened relative to the layout's directory descriptor
// without following symlinks (safe_open.h), so a layout cannot make us read
// outside it; blobs must be regular files at blobs/<alg>/<hex>.
class LayoutSource : public ImageSource {
 public:
  // Opens DIR and reads oci-layout (checked) and index.json. An empty `tag`
  // means "the only image". The tag is resolved by GetTopLevel, so an
  // unknown tag is reported there.
  static Result<std::unique_ptr<LayoutSource>> Open(const std::string& dir, const std::string& tag);

  Result<std::pair<Descriptor, Bytes>> GetTopLevel() override;
  Result<std::unique_ptr<ByteReader>> OpenBlob(const Descriptor& desc) override;
  std::string Describe() const override;

  // index.json as read.
  const Index& index() const { return index_; }

 private:
  LayoutSource(std::string dir, std::string tag, UniqueFd dir_fd, Index index)
      : dir_(std::move(dir)), tag_(std::move(tag)), dir_fd_(std::move(dir_fd)), index_(std::move(index)) {}

  std::string dir_;
  std::string tag_;
  UniqueFd dir_fd_;
  Index index_;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_LAYOUT_SOURCE_H_
