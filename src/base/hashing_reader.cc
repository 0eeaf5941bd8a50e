#include "base/hashing_reader.h"

#include <vector>

namespace ocitree {

Status HashingReader::Drain() {
  std::vector<uint8_t> buf(64 * 1024);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, Read(buf));
    if (n == 0) return {};
  }
}

}  // namespace ocitree
