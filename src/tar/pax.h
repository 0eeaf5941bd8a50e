// PAX extended header records ("%d %s=%s\n") and the value decoders the
// reader needs. Internal to src/tar. Errors are kCorrupt without location;
// TarReader adds the offset and entry name.
#ifndef OCITREE_TAR_PAX_H_
#define OCITREE_TAR_PAX_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocitree/status.h"

namespace ocitree::tar {

// Records in order of first appearance; setting a key again replaces its
// value in place (a later header overrides an earlier one).
class PaxRecordSet {
 public:
  void Set(std::string_view key, std::string_view value);
  void Clear();
  bool empty() const { return records_.empty(); }
  // Sum of key and value sizes, to bound what an archive can make us keep.
  size_t bytes() const { return bytes_; }
  const std::vector<std::pair<std::string, std::string>>& records() const { return records_; }

 private:
  std::vector<std::pair<std::string, std::string>> records_;
  std::map<std::string, size_t, std::less<>> index_;
  size_t bytes_ = 0;
};

// Parses the data block(s) of an 'x' or 'g' header (exactly `size` bytes,
// without block padding) into `out`.
Status ParsePaxData(std::string_view data, PaxRecordSet* out);

// Non-negative decimal integer without sign or blanks, at most `max`.
Result<uint64_t> ParsePaxUnsigned(std::string_view value, uint64_t max);

struct PaxTime {
  int64_t seconds = 0;
  uint32_t nanoseconds = 0;  // always in [0, 1e9): -1.5 is {-2, 500000000}
};
// "[-]SECONDS[.FRACTION]"; digits beyond nanoseconds are truncated.
Result<PaxTime> ParsePaxTime(std::string_view value);

// LIBARCHIVE.xattr.* names are URL-escaped (%XX) and values base64.
Result<std::string> DecodeUrlEscapes(std::string_view text);
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace ocitree::tar

#endif  // OCITREE_TAR_PAX_H_
