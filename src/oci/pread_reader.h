// Reads a byte range of a file with pread, so that many readers can share
// one descriptor (the members of an oci-archive, blobs read in parallel)
// without fighting over the file offset.
#ifndef OCITREE_OCI_PREAD_READER_H_
#define OCITREE_OCI_PREAD_READER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/io.h"

namespace ocitree::oci {

class PreadReader : public ByteReader {
 public:
  // Reads [offset, offset + length) of `fd`; the shared descriptor keeps the
  // file open for as long as any reader needs it.
  PreadReader(std::shared_ptr<const UniqueFd> fd, uint64_t offset, uint64_t length, std::string name);
  // Returns 0 at the end of the range; a file that ends before it is kCorrupt.
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  std::shared_ptr<const UniqueFd> fd_;
  uint64_t offset_;
  uint64_t remaining_;
  std::string name_;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_PREAD_READER_H_
