// Test-only helpers to build tar archives in memory, byte by byte, so that
// tests need no external tool and can produce malformed input on purpose.
// Header-only; included by *_test.cc files (tar reader, later layer recipes).
#ifndef OCITREE_TAR_TAR_TEST_UTIL_H_
#define OCITREE_TAR_TAR_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/io.h"
#include "tar/tar_header.h"
#include "tar/tar_reader.h"

namespace ocitree::tar::testing {

enum class NumberEncoding { kOctal, kBase256 };
enum class Magic { kUstar, kGnu, kV7 };

struct HeaderSpec {
  std::string name;
  std::string linkname;
  char typeflag = '0';
  int64_t mode = 0644;
  int64_t uid = 1000;
  int64_t gid = 1000;
  int64_t size = 0;
  int64_t mtime = 1700000000;
  std::string uname = "user";
  std::string gname = "group";
  int64_t devmajor = 0;
  int64_t devminor = 0;
  std::string prefix;  // ustar only
  Magic magic = Magic::kUstar;
  NumberEncoding size_encoding = NumberEncoding::kOctal;
  NumberEncoding id_encoding = NumberEncoding::kOctal;    // uid and gid
  NumberEncoding time_encoding = NumberEncoding::kOctal;  // mtime
  bool signed_checksum = false;  // historic writers summed signed chars
};

inline void PutString(uint8_t* block, Field f, std::string_view s) {
  std::memcpy(block + f.offset, s.data(), std::min(s.size(), f.size));
}

// Octal, zero-filled, NUL-terminated (what GNU tar writes).
inline void PutOctal(uint8_t* block, Field f, int64_t v) {
  char tmp[32];
  std::snprintf(tmp, sizeof tmp, "%0*llo", static_cast<int>(f.size - 1),
                static_cast<unsigned long long>(v));
  std::memcpy(block + f.offset, tmp, f.size - 1);
  block[f.offset + f.size - 1] = 0;
}

// GNU base-256: two's complement big-endian, 0x80 (or 0xff) marker byte.
inline void PutBase256(uint8_t* block, Field f, int64_t v) {
  int64_t x = v;  // arithmetic shifts keep the sign bits flowing in
  for (size_t i = f.size; i-- > 1;) {
    block[f.offset + i] = static_cast<uint8_t>(x & 0xff);
    x >>= 8;
  }
  block[f.offset] = v < 0 ? 0xff : 0x80;
}

inline void PutNumber(uint8_t* block, Field f, int64_t v, NumberEncoding e) {
  if (e == NumberEncoding::kBase256) {
    PutBase256(block, f, v);
  } else {
    PutOctal(block, f, v);
  }
}

// Recomputes the checksum after a test changed header bytes.
inline void SetChecksum(uint8_t* block, bool signed_sum = false) {
  std::memset(block + kChecksumField.offset, ' ', kChecksumField.size);
  int64_t sum = 0;
  for (size_t i = 0; i < kBlockSize; ++i) {
    sum += signed_sum ? static_cast<int8_t>(block[i]) : block[i];
  }
  char tmp[32];
  std::snprintf(tmp, sizeof tmp, "%06llo", static_cast<unsigned long long>(sum & 0777777));
  std::memcpy(block + kChecksumField.offset, tmp, 6);
  block[kChecksumField.offset + 6] = 0;
  block[kChecksumField.offset + 7] = ' ';
}

inline Bytes MakeHeader(const HeaderSpec& h) {
  Bytes b(kBlockSize, 0);
  uint8_t* p = b.data();
  PutString(p, kNameField, h.name);
  PutOctal(p, kModeField, h.mode);
  PutNumber(p, kUidField, h.uid, h.id_encoding);
  PutNumber(p, kGidField, h.gid, h.id_encoding);
  PutNumber(p, kSizeField, h.size, h.size_encoding);
  PutNumber(p, kMtimeField, h.mtime, h.time_encoding);
  p[kTypeflagOffset] = static_cast<uint8_t>(h.typeflag);
  PutString(p, kLinknameField, h.linkname);
  if (h.magic != Magic::kV7) {
    PutString(p, kMagicField, h.magic == Magic::kUstar ? std::string_view("ustar\0", 6)
                                                       : std::string_view("ustar ", 6));
    PutString(p, kVersionField, h.magic == Magic::kUstar ? std::string_view("00", 2)
                                                         : std::string_view(" \0", 2));
    PutString(p, kUnameField, h.uname);
    PutString(p, kGnameField, h.gname);
    PutOctal(p, kDevMajorField, h.devmajor);
    PutOctal(p, kDevMinorField, h.devminor);
    if (h.magic == Magic::kUstar) PutString(p, kPrefixField, h.prefix);
  }
  SetChecksum(p, h.signed_checksum);
  return b;
}

// "LEN key=value\n" where LEN counts the whole record including itself.
inline std::string PaxRecord(std::string_view key, std::string_view value) {
  const size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) len = std::to_string(len).size() + body;
  return std::to_string(len) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

class TarBuilder {
 public:
  // A header with `content` (size taken from it unless `keep_size`), padded
  // with `pad_byte`.
  TarBuilder& Add(HeaderSpec h, std::string_view content = {}, uint8_t pad_byte = 0,
                  bool keep_size = false) {
    if (!keep_size) h.size = static_cast<int64_t>(content.size());
    Append(MakeHeader(h));
    AppendData(content, pad_byte);
    return *this;
  }
  TarBuilder& File(std::string name, std::string_view content) {
    HeaderSpec h;
    h.name = std::move(name);
    return Add(h, content);
  }
  // A PAX 'x' or 'g' header whose data is `data` (use PaxRecord to build).
  TarBuilder& Pax(std::string_view data, char typeflag = 'x', std::string name = "PaxHeader") {
    HeaderSpec h;
    h.name = std::move(name);
    h.typeflag = typeflag;
    return Add(h, data);
  }
  // GNU 'L' (long name) or 'K' (long link) record; the data ends with NUL.
  TarBuilder& GnuLong(char typeflag, std::string_view name) {
    HeaderSpec h;
    h.name = "././@LongLink";
    h.typeflag = typeflag;
    h.magic = Magic::kGnu;
    h.uname = h.gname = "root";
    std::string data(name);
    data.push_back('\0');
    return Add(h, data);
  }
  TarBuilder& Raw(ByteView bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  // Appends `zero_blocks` zero blocks, then pads with zeros to a multiple of
  // `record_size` (0: no record padding).
  Bytes Finish(size_t zero_blocks = 2, size_t record_size = 0) const {
    Bytes b = out_;
    b.resize(b.size() + zero_blocks * kBlockSize, 0);
    if (record_size && b.size() % record_size) b.resize(b.size() + record_size - b.size() % record_size, 0);
    return b;
  }
  const Bytes& bytes() const { return out_; }

 private:
  void Append(const Bytes& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void AppendData(std::string_view data, uint8_t pad_byte) {
    Raw(AsBytes(data));
    out_.resize(out_.size() + PaddingFor(data.size()), pad_byte);
  }
  Bytes out_;
};

// Returns at most `max_chunk` bytes per Read: exercises every buffer edge.
class ChunkyReader : public ByteReader {
 public:
  ChunkyReader(ByteView data, size_t max_chunk) : inner_(data), max_chunk_(max_chunk) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    return inner_.Read(buf.subspan(0, std::min(buf.size(), max_chunk_)));
  }

 private:
  MemoryReader inner_;
  size_t max_chunk_;
};

// Everything a test wants to know after reading a whole archive.
struct Parsed {
  Status status;  // the first error, or ok
  std::vector<Entry> entries;
  std::vector<std::string> contents;
  // raw_header + content + padding per entry, then trailer: must equal the
  // input whenever status is ok.
  Bytes rebuilt;
  Bytes trailer;
  bool missing_end_marker = false;
};

inline Parsed ReadAll(ByteReader& in, Limits limits = {}, size_t read_size = 100000) {
  Parsed p;
  TarReader reader(in, limits);
  std::vector<uint8_t> buf(read_size);
  Entry entry;
  for (;;) {
    auto more = reader.Next(&entry);
    if (!more.ok()) {
      p.status = more.status();
      return p;
    }
    if (!*more) break;
    p.rebuilt.insert(p.rebuilt.end(), reader.raw_header().begin(), reader.raw_header().end());
    std::string content;
    for (;;) {
      auto n = reader.ReadContent(buf);
      if (!n.ok()) {
        p.status = n.status();
        return p;
      }
      if (*n == 0) break;
      content.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    p.rebuilt.insert(p.rebuilt.end(), content.begin(), content.end());
    p.rebuilt.insert(p.rebuilt.end(), reader.padding().begin(), reader.padding().end());
    p.entries.push_back(entry);
    p.contents.push_back(std::move(content));
  }
  p.trailer.assign(reader.trailer().begin(), reader.trailer().end());
  p.rebuilt.insert(p.rebuilt.end(), p.trailer.begin(), p.trailer.end());
  p.missing_end_marker = reader.missing_end_marker();
  return p;
}

inline Parsed ReadAll(ByteView tar, Limits limits = {}, size_t read_size = 100000) {
  MemoryReader in(tar);
  return ReadAll(in, limits, read_size);
}

}  // namespace ocitree::tar::testing

#endif  // OCITREE_TAR_TAR_TEST_UTIL_H_
