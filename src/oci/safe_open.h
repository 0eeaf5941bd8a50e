// Opening files of an image layout without following symlinks: a layout
// may come from anywhere, and a blob that is a symlink to /etc/shadow (or a
// "blobs" directory that points elsewhere) must not be read.
#ifndef OCITREE_OCI_SAFE_OPEN_H_
#define OCITREE_OCI_SAFE_OPEN_H_

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/io.h"
#include "ocitree/status.h"

namespace ocitree::oci {

// Opens the regular file `rel` ("blobs/sha256/ab...") below `dirfd`, walking
// one component at a time with O_NOFOLLOW. A symlink anywhere on the way, a
// final component that is not a regular file, or a path with "..", "." or
// empty components is kCorrupt; a missing file is kNotFound. `*size` gets
// the file's size.
Result<UniqueFd> OpenRegularFileBeneath(int dirfd, std::string_view rel, uint64_t* size);

// The whole file, which must not be larger than `max_size` (kUnsupported).
Result<Bytes> ReadFileBeneath(int dirfd, std::string_view rel, size_t max_size);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_SAFE_OPEN_H_
