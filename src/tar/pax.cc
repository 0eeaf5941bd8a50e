#include "tar/pax.h"

#include <limits>

#include "base/base64.h"
#include "tar/tar_header.h"

namespace ocitree::tar {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A record's length prefix. Bounded digit count keeps the arithmetic exact.
Result<size_t> ParseRecordLength(std::string_view data) {
  constexpr size_t kMaxDigits = 18;
  size_t digits = 0;
  uint64_t len = 0;
  while (digits < data.size() && IsDigit(data[digits])) {
    if (digits == kMaxDigits) return Corrupt("PAX record length is too long");
    len = len * 10 + static_cast<uint64_t>(data[digits] - '0');
    ++digits;
  }
  if (digits == 0) return Corrupt("PAX record does not start with a length");
  if (digits >= data.size() || data[digits] != ' ') {
    return Corrupt("PAX record length is not followed by a space");
  }
  // Shortest legal record after the prefix: "k=\n".
  if (len < digits + 4) return Corrupt("PAX record length " + std::to_string(len) + " is too small");
  if (len > data.size()) {
    return Corrupt("PAX record length " + std::to_string(len) + " runs past the header data (" +
                   std::to_string(data.size()) + " bytes left)");
  }
  return static_cast<size_t>(len);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


}  // namespace

void PaxRecordSet::Set(std::string_view key, std::string_view value) {
  auto it = index_.find(key);
  if (it == index_.end()) {
    index_.emplace(std::string(key), records_.size());
    records_.emplace_back(std::string(key), std::string(value));
    bytes_ += key.size() + value.size();
    return;
  }
  std::string& old = records_[it->second].second;
  bytes_ = bytes_ - old.size() + value.size();
  old.assign(value);
}

void PaxRecordSet::Clear() {
  records_.clear();
  index_.clear();
  bytes_ = 0;
}

Status ParsePaxData(std::string_view data, PaxRecordSet* out) {
  while (!data.empty()) {
    OCITREE_ASSIGN_OR_RETURN(size_t len, ParseRecordLength(data));
    std::string_view record = data.substr(0, len);
    data.remove_prefix(len);
    if (record.back() != '\n') return Corrupt("PAX record does not end with a newline");
    record.remove_suffix(1);
    record.remove_prefix(record.find(' ') + 1);
    const size_t eq = record.find('=');
    if (eq == std::string_view::npos) {
      return Corrupt("PAX record \"" + Printable(record) + "\" has no '='");
    }
    std::string_view key = record.substr(0, eq);
    if (key.empty()) return Corrupt("PAX record has an empty keyword");
    if (key.find('\0') != std::string_view::npos) {
      return Corrupt("PAX keyword \"" + Printable(key) + "\" contains a NUL byte");
    }
    out->Set(key, record.substr(eq + 1));
  }
  return {};
}

Result<uint64_t> ParsePaxUnsigned(std::string_view value, uint64_t max) {
  if (value.empty() || value.size() > 20) {
    return Corrupt("\"" + Printable(value) + "\" is not a decimal number");
  }
  uint64_t v = 0;
  for (char c : value) {
    if (!IsDigit(c)) {
      return Corrupt("\"" + Printable(value) + "\" is not a decimal number");
    }
    const auto d = static_cast<uint64_t>(c - '0');
    if (d > max || v > (max - d) / 10) {
      return Corrupt(std::string(value) + " is out of range");
    }
    v = v * 10 + d;
  }
  return v;
}

Result<PaxTime> ParsePaxTime(std::string_view value) {
  const bool negative = !value.empty() && value.front() == '-';
  std::string_view text = negative ? value.substr(1) : value;
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() - 1);
  auto secs = ParsePaxUnsigned(whole, kMax);
  if (!secs.ok()) return Corrupt("\"" + Printable(value) + "\" is not a time");
  uint32_t nanos = 0;
  uint32_t scale = 100000000;
  for (char c : frac) {
    if (!IsDigit(c)) return Corrupt("\"" + Printable(value) + "\" is not a time");
    nanos += static_cast<uint32_t>(c - '0') * scale;
    scale /= 10;
  }
  PaxTime t{static_cast<int64_t>(*secs), nanos};
  if (negative) {
    // -S.F = -(S+1) + (1 - 0.F): keep nanoseconds non-negative.
    t.seconds = -t.seconds;
    if (t.nanoseconds != 0) {
      t.seconds -= 1;
      t.nanoseconds = 1000000000u - t.nanoseconds;
    }
  }
  return t;
}

Result<std::string> DecodeUrlEscapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
    if (lo < 0) return Corrupt("bad %-escape in \"" + Printable(text) + "\"");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<std::string> DecodeBase64(std::string_view text) {
  // libarchive omits the '=' padding; Base64Decode accepts it either way.
  auto decoded = Base64Decode(text);
  if (!decoded.ok()) return Corrupt(decoded.status().message());
  return decoded;
}

}  // namespace ocitree::tar
