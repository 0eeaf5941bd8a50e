// A pass-through reader that hashes (SHA-256) and counts what flows through
// it, for checks made when a stream ends (an OCI layer's diff_id).
#ifndef OCITREE_BASE_HASHING_READER_H_
#define OCITREE_BASE_HASHING_READER_H_

#include "base/checksum.h"
#include "base/io.h"

namespace ocitree {

class HashingReader : public ByteReader {
 public:
  explicit HashingReader(ByteReader& source) : source_(source) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    OCITREE_ASSIGN_OR_RETURN(size_t n, source_.Read(buf));
    sha_.Update(ByteView(buf.data(), n));
    bytes_ += n;
    return n;
  }
  uint64_t bytes() const { return bytes_; }
  Checksum Finish() { return sha_.Finish(); }

 private:
  ByteReader& source_;
  Sha256 sha_;
  uint64_t bytes_ = 0;
};

}  // namespace ocitree

#endif  // OCITREE_BASE_HASHING_READER_H_
