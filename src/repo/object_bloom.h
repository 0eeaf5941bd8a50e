// A fixed-size Bloom filter over (checksum, object type): which objects a
// transaction may have staged. It replaces an exact set whose memory grew
// with every object (~56 bytes each, 56 MB for a 1M-file pull); the filter
// costs 2 MiB however many objects are staged, and a "maybe" is confirmed
// by the caller against the staging directory itself.
//
// The probes are taken straight from the checksum: SHA-256 output is
// already uniform, so probe i is the i-th little-endian 32-bit word of the
// digest (plus a per-type offset, so that a commit and its .commitmeta,
// which share a checksum, are different keys), masked to the filter size.
// With m = 2^24 bits and k = 4 probes the false-positive rate after n
// insertions is (1 - e^(-kn/m))^k: 3e-7 at 100k objects, 2.0e-3 at 1M,
// 0.24 at 5M. Nothing breaks when it is full, lookups just cost a syscall.
//
// Thread-safe without a lock: bits are only ever set (atomic fetch_or), so
// a key inserted before another thread looks is always seen. Inserting
// before the object becomes visible in the staging directory is what
// keeps "definitely not staged" true.
#ifndef OCITREE_REPO_OBJECT_BLOOM_H_
#define OCITREE_REPO_OBJECT_BLOOM_H_

#include <cstddef>
#include <cstdint>

#include "base/checksum.h"

namespace ocitree {

class ObjectBloom {
 public:
  static constexpr int kDefaultLog2Bits = 24;  // 2 MiB
  static constexpr int kProbes = 4;

  // 2^log2_bits bits (10..32), mapped lazily: pages never touched cost no
  // memory, so a small transaction stays small.
  explicit ObjectBloom(int log2_bits = kDefaultLog2Bits);
  ~ObjectBloom();
  ObjectBloom(const ObjectBloom&) = delete;
  ObjectBloom& operator=(const ObjectBloom&) = delete;

  void Insert(const Checksum& c, unsigned tag);
  // False: definitely never inserted. True: inserted, or a false positive.
  bool MayContain(const Checksum& c, unsigned tag) const;

  size_t bytes() const { return bytes_; }
  // The design false-positive rate after `n` insertions.
  double ExpectedFalsePositiveRate(double n) const;

 private:
  uint32_t Probe(const Checksum& c, unsigned tag, int i) const;

  uint64_t* words_ = nullptr;
  size_t bytes_ = 0;
  uint32_t mask_ = 0;  // bit index mask
};

}  // namespace ocitree

#endif  // OCITREE_REPO_OBJECT_BLOOM_H_
