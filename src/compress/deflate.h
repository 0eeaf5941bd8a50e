// Raw DEFLATE streams (no zlib or gzip wrapper) through ISA-L, as OSTree's
// archive `.filez` payloads need (FORMATS 3.4).
#ifndef OCITREE_COMPRESS_DEFLATE_H_
#define OCITREE_COMPRESS_DEFLATE_H_

#include <memory>

#include "base/io.h"

namespace ocitree {

// Compressor state and buffers (a few hundred KiB) that a DeflateWriter can
// borrow instead of allocating its own, so that writing many small objects
// (a pull of small files into an archive repo) allocates nothing per object.
// One DeflateWriter at a time may use it; one per thread.
class DeflateScratch {
 public:
  DeflateScratch();
  ~DeflateScratch();
  DeflateScratch(const DeflateScratch&) = delete;
  DeflateScratch& operator=(const DeflateScratch&) = delete;

 private:
  friend class DeflateWriter;
  struct State;
  std::unique_ptr<State> state_;
};

// Compresses what is written to it and writes the result to `fd`.
class DeflateWriter {
 public:
  // `level` is ISA-L's 0..3 (1 is about zlib's 6 in ratio, several times
  // faster). With `scratch`, its state is reset and used (it must outlive
  // the writer). `prefix` is written to `fd` before the stream, in the same
  // write(2) as the first compressed bytes (an object's header).
  DeflateWriter(int fd, int level = 1, DeflateScratch* scratch = nullptr, ByteView prefix = {});
  ~DeflateWriter();
  DeflateWriter(const DeflateWriter&) = delete;
  DeflateWriter& operator=(const DeflateWriter&) = delete;

  Status Write(ByteView data);
  // Ends the stream; must be called once, even for empty input.
  Status Finish();
  // Write(data), then Finish(): a small input then leaves in one write(2),
  // prefix included (Write alone may write what it has compressed so far).
  Status WriteAndFinish(ByteView data);
  uint64_t compressed_bytes() const { return compressed_; }

 private:
  Status Run(ByteView data, bool last);
  std::unique_ptr<DeflateScratch> owned_;
  DeflateScratch::State* state_;
  int fd_;
  size_t pending_ = 0;  // prefix bytes at the start of the output buffer
  Status prefix_status_;  // of writing a prefix too big for the buffer
  uint64_t compressed_ = 0;
};

// Decompressor state and input buffer (about 200 KiB) that an InflateReader
// can borrow instead of allocating its own: reading many small streams one
// after another (fsck of an archive repo) then allocates nothing per stream.
// One InflateReader at a time may use it; one per thread.
class InflateScratch {
 public:
  InflateScratch();
  ~InflateScratch();
  InflateScratch(const InflateScratch&) = delete;
  InflateScratch& operator=(const InflateScratch&) = delete;

 private:
  friend class InflateReader;
  struct State;
  std::unique_ptr<State> state_;
};

// Decompresses a raw DEFLATE stream read from `source`. A stream that ends
// before its final block is an error ("truncated"), as is data after it.
class InflateReader : public ByteReader {
 public:
  // With `scratch`, its state is reset and used (it must outlive the reader).
  explicit InflateReader(ByteReader& source, InflateScratch* scratch = nullptr);
  ~InflateReader() override;
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  std::unique_ptr<InflateScratch> owned_;
  InflateScratch::State* state_;
  ByteReader& source_;
};

}  // namespace ocitree

#endif  // OCITREE_COMPRESS_DEFLATE_H_
