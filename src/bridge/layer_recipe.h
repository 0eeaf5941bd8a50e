// The layer recipe: every byte of an uncompressed layer tar that is not file
// content (raw headers, padding, the end-of-archive trailer), in order, plus
// for each entry the checksum of the content object holding its data. With
// the content objects it rebuilds the tar byte for byte, so the layer keeps
// its diff_id (DESIGN.md section 4, the tar-split idea of FORMATS.md
// section 7 without storing content twice).
//
// Serialized form (version 1), all integers little-endian:
//
//   header, 58 bytes:
//     "OTRECIPE"   magic, 8 bytes
//     u8  version  (1)
//     u8  flags    (0; anything else is unsupported)
//     u64 tar_size total bytes of the rebuilt tar
//     u64 entries  number of ENTRY records
//     32  diff_id  sha256 of the rebuilt tar
//   body: exactly one zstd frame (with content checksum), nothing after it,
//   decompressing to a sequence of records:
//     ENTRY  u8 0x01
//            u8 flags: bit0 content checksum present, bit1 padding verbatim
//            varint content_size
//            [32 bytes content checksum]              if bit0
//            varint header_len                        <= 4 MiB
//            bitmap, ceil((header_len / 512) / 8) bytes: bit i (LSB first)
//              set = block i's checksum field was elided (stored as 8
//              spaces, rebuilt as "%06o\0 " of the block's unsigned sum)
//            header_len bytes of raw header
//            [varint padding_len (< 512) + bytes]     if bit1, else
//              PaddingFor(content_size) zero bytes
//     END    u8 0x02, varint trailer_len (<= 8 MiB), trailer bytes;
//            must be the last record.
//   Varints are LEB128 (7 bits a byte, low first, at most 10 bytes).
//
// Why this shape: raw headers of one layer resemble each other, so a single
// zstd stream over all records compresses them to a few bytes each; the
// header checksum field is the one part that changes pseudo-randomly with
// every other field, so it is elided whenever it is the canonical value.
// Zero padding is implied by the content size. The content checksums (32
// random bytes per regular file) then dominate the size.
#ifndef OCITREE_BRIDGE_LAYER_RECIPE_H_
#define OCITREE_BRIDGE_LAYER_RECIPE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/io.h"
#include "ocitree/status.h"

namespace ocitree {

inline constexpr uint8_t kRecipeVersion = 1;
inline constexpr size_t kRecipeHeaderSize = 58;
// Record size limits, shared by writer and parser. The tar reader's limits
// (4 MiB of headers per entry, trailer = headers + 1 MiB) fit below them.
inline constexpr size_t kRecipeMaxHeaderBytes = size_t{4} << 20;
inline constexpr size_t kRecipeMaxTrailerBytes = size_t{8} << 20;
inline constexpr uint64_t kRecipeMaxContentSize = uint64_t{1} << 56;

// Builds a recipe while a layer is read, in tar order. Records are
// compressed as they come; the compressed recipe is kept in memory, or with
// SpillTo written to a file as it grows (a million-entry layer makes ~36 MB).
class RecipeWriter {
 public:
  // `level` is the zstd level. 6 gets within a few percent of 19 on real
  // layers at a few microseconds per entry and about 6 MiB of zstd state;
  // 3 is ~10% larger (measurements in layer_recipe_test.cc's size test).
  explicit RecipeWriter(int level = 6);
  ~RecipeWriter();
  RecipeWriter(const RecipeWriter&) = delete;
  RecipeWriter& operator=(const RecipeWriter&) = delete;

  // One tar entry: TarReader's raw_header(), the checksum of the content
  // object whose payload is exactly the entry's content (nullopt when there
  // is no content: then content_size must be 0), and padding() read after
  // the content. Errors are sticky.
  Status AddEntry(ByteView raw_header, std::optional<Checksum> content, uint64_t content_size,
                  ByteView padding);
  // TarReader's trailer() and the sha256 of the whole uncompressed tar,
  // which the caller computes anyway while verifying the layer (the writer
  // never sees content bytes). Returns the serialized recipe; the writer is
  // spent afterwards. Not after SpillTo.
  Result<Bytes> Finish(ByteView trailer, const Checksum& diff_id);

  // Before the first entry: the recipe goes to `fd` (an empty file open for
  // writing, not owned) instead of memory.
  void SpillTo(int fd);
  // Finish for a spilled recipe: the file then holds the whole recipe, whose
  // size this returns.
  Result<uint64_t> FinishSpill(ByteView trailer, const Checksum& diff_id);

  uint64_t entries() const { return entries_; }
  uint64_t tar_size() const { return tar_size_; }

 private:
  struct Zstd;
  Status AddEntryRecord(ByteView raw_header, const std::optional<Checksum>& content,
                        uint64_t content_size, ByteView padding);
  void AppendHeader(ByteView raw_header);
  Status AddToSize(uint64_t n);
  Status Compress(ByteView data, bool end);
  Status FinishBody(ByteView trailer);
  Status Fail(Status s);
  void FillHeader(uint8_t* header, const Checksum& diff_id) const;
  Status Spill();


  std::unique_ptr<Zstd> zstd_;
  Bytes pending_;  // record bytes not yet given to zstd
  Bytes out_;      // header placeholder + compressed body so far (not yet spilled)
  int spill_fd_ = -1;
  uint64_t spilled_ = 0;  // bytes written to spill_fd_
  uint64_t entries_ = 0;
  uint64_t tar_size_ = 0;
  Status error_;
  bool finished_ = false;
};

// What a recipe header says, without decompressing the body.
struct RecipeHeader {
  uint8_t version = 0;
  uint64_t tar_size = 0;
  uint64_t entries = 0;
  Checksum diff_id;
};

// Checks magic and version; kCorrupt / kUnsupported otherwise.
Result<RecipeHeader> ReadRecipeHeader(ByteView recipe);

struct RecipeSummary {
  RecipeHeader header;
  uint64_t content_refs = 0;   // entries that reference a content object
  uint64_t content_bytes = 0;  // sum of their sizes
  // Every content object the recipe needs, sorted, without duplicates: the
  // caller keeps these reachable for as long as the recipe is.
  std::vector<Checksum> contents;
};

// Parses the whole recipe (no content is opened) and checks that its records
// agree with the header (entry count, tar size).
Result<RecipeSummary> InspectRecipe(ByteView recipe);

// Calls fn(checksum) for each content reference of the recipe, in tar order
// (no content is opened; the recipe is checked as InspectRecipe does).
Status ForEachRecipeContent(ByteView recipe, const std::function<void(const Checksum&)>& fn);

// Opens the content object `checksum` for reading; `expected_size` is the
// size the recipe recorded, for openers that can check it early.
using ContentOpener =
    std::function<Result<std::unique_ptr<ByteReader>>(const Checksum& checksum, uint64_t expected_size)>;

// Writes the tar the recipe describes to `sink`, streaming (memory bounded
// whatever the layer size). Content streams must have exactly the recorded
// size, and the output must hash to the recorded diff_id with the recorded
// length; otherwise kCorrupt (after the bad bytes may already be in the
// sink: callers write to a temporary and discard it on error). Opener errors
// are returned with context.
Status RebuildTar(ByteView recipe, const ContentOpener& open, ByteSink& sink);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_LAYER_RECIPE_H_
