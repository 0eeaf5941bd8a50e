// A ByteSink that hashes and counts what passes through it on its way to
// another sink (or nowhere): the diff_id of a layer tar on its way to the
// compressor, the digest of a blob computed without storing it.
#ifndef OCITREE_BASE_HASHING_SINK_H_
#define OCITREE_BASE_HASHING_SINK_H_

#include <cstdint>

#include "base/checksum.h"
#include "base/io.h"

namespace ocitree {

class HashingSink : public ByteSink {
 public:
  // `next` may be null: the bytes are only hashed and counted.
  explicit HashingSink(ByteSink* next) : next_(next) {}
  Status Write(ByteView data) override {
    hash_.Update(data);
    bytes_ += data.size();
    return next_ ? next_->Write(data) : Status();
  }
  // The SHA-256 of everything written; the hash starts again afterwards.
  Checksum Finish() { return hash_.Finish(); }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSink* next_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

}  // namespace ocitree

#endif  // OCITREE_BASE_HASHING_SINK_H_
