// Streaming compressors for layer blobs, the writing side of decompress.h:
// gzip through ISA-L, zstd through libzstd, and a pass-through for
// uncompressed layers so that pipelines need not special-case them.
//
// Output is deterministic: the same input bytes at the same level give the
// same compressed bytes (for a given ISA-L / libzstd version), however the
// input is split into Write calls, because input reaches the codec in
// fixed-size chunks. That is what makes an exported image's layer digests
// reproducible. gzip: a 10-byte header with mtime 0, no name, XFL 0 and OS
// 255 ("unknown", as Go's compress/gzip writes), one member, CRC32 + ISIZE
// trailer. zstd: one frame, single-threaded, content checksum on.
#ifndef OCITREE_COMPRESS_COMPRESSOR_H_
#define OCITREE_COMPRESS_COMPRESSOR_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "base/io.h"
#include "compress/decompress.h"

namespace ocitree {

class Compressor : public ByteSink {
 public:
  // Compresses `data`; compressed bytes go to the output sink as they are
  // produced. An error (from the codec or the sink) is sticky.
  Status Write(ByteView data) override = 0;
  // Ends the stream: flushes and writes the trailer. Must be called exactly
  // once, also for empty input; Write or Finish after it is kInternal.
  virtual Status Finish() = 0;

  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }

 protected:
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
};

// The level when none is given: gzip 1 (ISA-L's levels are 0..3; 1 is near
// zlib's 6 in ratio and several times faster), zstd 3 (zstd's own default).
// Uncompressed has no levels (0).
int DefaultCompressionLevel(Compression compression);

// A compressor writing to `out`, which must outlive it. `level`: gzip 0..3,
// zstd 1..ZSTD_maxCLevel() or a negative "fast" level down to
// ZSTD_minCLevel(); anything else is kInvalidArgument, as is a level for
// Compression::kNone.
Result<std::unique_ptr<Compressor>> NewCompressor(Compression compression, ByteSink& out,
                                                  std::optional<int> level = std::nullopt);

}  // namespace ocitree

#endif  // OCITREE_COMPRESS_COMPRESSOR_H_
