// Decompressing readers for OCI layers: gzip (ISA-L) and zstd (libzstd),
// chosen by media type and confirmed by magic bytes.
#ifndef OCITREE_COMPRESS_DECOMPRESS_H_
#define OCITREE_COMPRESS_DECOMPRESS_H_

#include <memory>

#include "base/io.h"

namespace ocitree {

enum class Compression { kNone, kGzip, kZstd };

const char* CompressionName(Compression c);
// By the first bytes of a stream (at least 4): gzip 1f 8b, zstd 28 b5 2f fd.
Compression DetectCompression(ByteView magic);

// A reader that decompresses `source`. Truncated input, trailing garbage and
// checksum mismatches (gzip CRC32 and size, zstd content checksum) are
// kCorrupt errors. Concatenated gzip members are read as one stream.
Result<std::unique_ptr<ByteReader>> NewDecompressor(Compression compression, ByteReader& source);

// Wraps a reader so that its first bytes can be looked at before choosing a
// decompressor, without reading them twice from the source.
class PeekableReader : public ByteReader {
 public:
  explicit PeekableReader(ByteReader& source) : source_(source) {}
  // Returns up to `n` (<= 64) leading bytes of the stream; fewer at its end.
  Result<ByteView> Peek(size_t n);
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  ByteReader& source_;
  uint8_t head_[64];
  size_t head_size_ = 0;
  size_t head_pos_ = 0;
};

}  // namespace ocitree

#endif  // OCITREE_COMPRESS_DECOMPRESS_H_
