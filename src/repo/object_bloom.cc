#include "repo/object_bloom.h"

#include <sys/mman.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <new>

namespace ocitree {

static_assert(ObjectBloom::kProbes * 4 <= 32, "each probe takes its own 4 digest bytes");

ObjectBloom::ObjectBloom(int log2_bits) {
  if (log2_bits < 10) log2_bits = 10;
  if (log2_bits > 32) log2_bits = 32;
  const uint64_t bits = uint64_t{1} << log2_bits;
  mask_ = static_cast<uint32_t>(bits - 1);
  bytes_ = static_cast<size_t>(bits / 8);
  // Anonymous pages read as zero and take memory only once written.
  void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  words_ = static_cast<uint64_t*>(p);
}

ObjectBloom::~ObjectBloom() { munmap(words_, bytes_); }

uint32_t ObjectBloom::Probe(const Checksum& c, unsigned tag, int i) const {
  uint32_t w;
  std::memcpy(&w, c.bytes.data() + 4 * i, sizeof w);
  // An odd multiplier: different tags move every probe of one checksum.
  return (w + tag * 0x9E3779B9u) & mask_;
}

void ObjectBloom::Insert(const Checksum& c, unsigned tag) {
  for (int i = 0; i < kProbes; i++) {
    uint32_t bit = Probe(c, tag, i);
    std::atomic_ref<uint64_t> word(words_[bit >> 6]);
    uint64_t m = uint64_t{1} << (bit & 63);
    // Skipping the locked write when the bit is set keeps shared cache lines clean.
    if ((word.load(std::memory_order_relaxed) & m) == 0) word.fetch_or(m, std::memory_order_release);
  }
}

bool ObjectBloom::MayContain(const Checksum& c, unsigned tag) const {
  for (int i = 0; i < kProbes; i++) {
    uint32_t bit = Probe(c, tag, i);
    std::atomic_ref<uint64_t> word(words_[bit >> 6]);
    if ((word.load(std::memory_order_acquire) & (uint64_t{1} << (bit & 63))) == 0) return false;
  }
  return true;
}

double ObjectBloom::ExpectedFalsePositiveRate(double n) const {
  const double m = static_cast<double>(bytes_) * 8;
  return std::pow(1 - std::exp(-kProbes * n / m), kProbes);
}

}  // namespace ocitree
