// The names of the objects a transaction has staged ("<64 hex>.<ext>"),
// stored compactly: a big pull stages one object per file, and a
// std::set<std::string> of such names cost ~150 bytes each (node, string,
// heap copy of the 70-character name); this keeps 33 bytes plus the hash
// table's ~20. Names of any other shape are kept as they are.
#ifndef OCITREE_REPO_STAGED_SET_H_
#define OCITREE_REPO_STAGED_SET_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

namespace ocitree {

class StagedSet {
 public:
  size_t count(const std::string& name) const {
    if (auto k = Pack(name)) return packed_.count(*k);
    return other_.count(name);
  }
  // Like std::set::insert: .second tells whether the name was new.
  std::pair<int, bool> insert(const std::string& name) {
    if (auto k = Pack(name)) return {0, packed_.insert(*k).second};
    return {0, other_.insert(name).second};
  }
  size_t erase(const std::string& name) {
    if (auto k = Pack(name)) return packed_.erase(*k);
    return other_.erase(name);
  }
  size_t size() const { return packed_.size() + other_.size(); }

  // Calls fn(name) for every name, in no particular order.
  template <typename Fn>
  auto ForEach(Fn&& fn) const -> decltype(fn(std::string())) {
    for (const Key& k : packed_) {
      auto r = fn(Unpack(k));
      if (!r.ok()) return r;
    }
    for (const std::string& name : other_) {
      auto r = fn(name);
      if (!r.ok()) return r;
    }
    return {};
  }

 private:
  using Key = std::array<uint8_t, 33>;  // checksum, extension index
  struct KeyHash {
    // The checksum is already uniformly distributed.
    size_t operator()(const Key& k) const noexcept {
      size_t h;
      std::memcpy(&h, k.data(), sizeof h);
      return h ^ k[32];
    }
  };
  static constexpr std::array<std::string_view, 6> kExts = {".file",   ".filez",  ".dirtree",
                                                            ".dirmeta", ".commit", ".commitmeta"};

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case would not round-trip
  }
  static std::optional<Key> Pack(std::string_view name) {
    if (name.size() < 65) return std::nullopt;
    Key k;
    for (size_t i = 0; i < 32; i++) {
      int hi = HexValue(name[2 * i]), lo = HexValue(name[2 * i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      k[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    std::string_view ext = name.substr(64);
    for (size_t e = 0; e < kExts.size(); e++) {
      if (ext == kExts[e]) {
        k[32] = static_cast<uint8_t>(e);
        return k;
      }
    }
    return std::nullopt;
  }
  static std::string Unpack(const Key& k) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string name(64, '0');
    for (size_t i = 0; i < 32; i++) {
      name[2 * i] = kDigits[k[i] >> 4];
      name[2 * i + 1] = kDigits[k[i] & 15];
    }
    name += kExts[k[32]];
    return name;
  }

  std::unordered_set<Key, KeyHash> packed_;
  std::set<std::string> other_;
};

}  // namespace ocitree

#endif  // OCITREE_REPO_STAGED_SET_H_
