// Shared by the libFuzzer targets: a check that stops the run (so libFuzzer
// saves the input as a crash) when a property the code promises is broken,
// and a reader that hands out data in uneven pieces so buffer boundaries
// are exercised too.
#ifndef OCITREE_FUZZ_FUZZ_UTIL_H_
#define OCITREE_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

#include "base/bytes.h"
#include "base/io.h"
#include "ocitree/status.h"

#define FUZZ_CHECK(cond)                                                             \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

namespace ocitree::fuzz {

// Every error a parser returns must say something: an empty message would
// reach the user as "ocitree: error: ".
inline void CheckError(const Status& status) {
  FUZZ_CHECK(!status.ok());
  FUZZ_CHECK(!status.message().empty());
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Returns at most the next size in a fixed cycle of odd sizes per Read call.
class ChunkedReader : public ByteReader {
 public:
  explicit ChunkedReader(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    static constexpr size_t kSizes[] = {1, 511, 7, 512, 513, 3, 100000};
    size_t n = std::min({buf.size(), data_.size() - pos_, kSizes[calls_++ % 7]});
    if (n) std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  ByteView data_;
  size_t pos_ = 0;
  size_t calls_ = 0;
};

}  // namespace ocitree::fuzz

#endif  // OCITREE_FUZZ_FUZZ_UTIL_H_
