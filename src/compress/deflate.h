// Raw DEFLATE streams (no zlib or gzip wrapper) through ISA-L, as OSTree's
// archive `.filez` payloads need (FORMATS 3.4).
#ifndef OCITREE_COMPRESS_DEFLATE_H_
#define OCITREE_COMPRESS_DEFLATE_H_

#include <memory>

#include "base/io.h"

namespace ocitree {

// Compresses what is written to it and writes the result to `fd`.
class DeflateWriter {
 public:
  // `level` is ISA-L's 0..3 (1 is about zlib's 6 in ratio, several times faster).
  DeflateWriter(int fd, int level = 1);
  ~DeflateWriter();
  DeflateWriter(const DeflateWriter&) = delete;
  DeflateWriter& operator=(const DeflateWriter&) = delete;

  Status Write(ByteView data);
  // Ends the stream; must be called once, even for empty input.
  Status Finish();
  uint64_t compressed_bytes() const { return compressed_; }

 private:
  Status Run(ByteView data, bool last);
  struct State;
  std::unique_ptr<State> state_;
  int fd_;
  uint64_t compressed_ = 0;
};

// Decompresses a raw DEFLATE stream read from `source`. A stream that ends
// before its final block is an error ("truncated"), as is data after it.
class InflateReader : public ByteReader {
 public:
  explicit InflateReader(ByteReader& source);
  ~InflateReader() override;
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
  ByteReader& source_;
};

}  // namespace ocitree

#endif  // OCITREE_COMPRESS_DEFLATE_H_
