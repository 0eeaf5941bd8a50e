// Checks a blob against its descriptor while it streams, so that nothing
// unverified is trusted once the stream ends and no oversized blob is read
// to its end first.
#ifndef OCITREE_OCI_VERIFYING_READER_H_
#define OCITREE_OCI_VERIFYING_READER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/checksum.h"
#include "base/io.h"
#include "oci/digest.h"

namespace ocitree::oci {

// Passes bytes through while counting and hashing them. A read that takes
// the count past `size` fails with kCorrupt at once (the source is never
// asked for more than one byte beyond `size`); reaching the end with a
// different count or sha256 fails with kCorrupt instead of returning 0.
// Errors are sticky. The check happens at the end only: consumers that stop
// early (a tar reader at its end marker) must read on until Read returns 0.
class VerifyingReader : public ByteReader {
 public:
  VerifyingReader(std::unique_ptr<ByteReader> source, Digest expected, uint64_t size, std::string name);
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  Status Fail(Status status);

  std::unique_ptr<ByteReader> source_;
  Digest expected_;
  uint64_t size_;
  std::string name_;
  Sha256 sha_;
  uint64_t count_ = 0;
  bool done_ = false;
  Status error_;
};

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_VERIFYING_READER_H_
