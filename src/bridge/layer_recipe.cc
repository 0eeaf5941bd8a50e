#include "bridge/layer_recipe.h"

#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "tar/tar_header.h"

namespace ocitree {

namespace {

constexpr uint8_t kMagic[8] = {'O', 'T', 'R', 'E', 'C', 'I', 'P', 'E'};
constexpr size_t kVersionOffset = 8;
constexpr size_t kFlagsOffset = 9;
constexpr size_t kTarSizeOffset = 10;
constexpr size_t kEntriesOffset = 18;
constexpr size_t kDiffIdOffset = 26;
static_assert(kDiffIdOffset + 32 == kRecipeHeaderSize);

constexpr uint8_t kTagEntry = 0x01;
constexpr uint8_t kTagEnd = 0x02;
constexpr uint8_t kFlagContent = 0x01;
constexpr uint8_t kFlagPaddingVerbatim = 0x02;
constexpr uint8_t kKnownEntryFlags = kFlagContent | kFlagPaddingVerbatim;

using tar::kBlockSize;
constexpr size_t kSumOffset = tar::kChecksumField.offset;
constexpr size_t kSumSize = tar::kChecksumField.size;
constexpr size_t kMaxBitmapBytes = (kRecipeMaxHeaderBytes / kBlockSize + 7) / 8;

// Record bytes are handed to zstd in batches of about this size: fewer calls
// than one per record, and a small bound on what is kept uncompressed.
constexpr size_t kCompressBatch = size_t{128} << 10;
// Compressed bytes collected before a spilled recipe writes them out.
constexpr size_t kSpillBatch = size_t{1} << 20;
// zstd windows: 2 MiB holds thousands of headers to match against (larger
// gains under 1%); the reader's limit leaves room above it and bounds what a
// hostile recipe can make us allocate.
constexpr int kWriterWindowLog = 21;
constexpr int kReaderMaxWindowLog = 23;
constexpr size_t kDecodeBuffer = size_t{64} << 10;
constexpr size_t kOutputBuffer = size_t{256} << 10;

void AppendVarint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

void PutLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t GetLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// Any block, header or not, whose field holds the canonical value can have
// it elided: rebuilding recomputes exactly those bytes.
bool SumFieldElidable(const uint8_t* block) {
  return std::memcmp(block + kSumOffset, tar::CanonicalChecksumField(tar::Block(block, tar::kBlockSize)).data(), kSumSize) == 0;
}

bool AllZero(ByteView b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t c) { return c == 0; });
}

Status CheckedAdd(uint64_t* total, uint64_t n) {
  if (__builtin_add_overflow(*total, n, total)) return Corrupt("recipe: tar size overflows");
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------
// Writing

struct RecipeWriter::Zstd {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ~Zstd() { ZSTD_freeCCtx(cctx); }
};

RecipeWriter::RecipeWriter(int level) : zstd_(std::make_unique<Zstd>()) {
  if (zstd_->cctx == nullptr) {
    error_ = Internal("recipe: cannot create a zstd context");
    return;
  }
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_windowLog, kWriterWindowLog);
  // The frame checksum catches a damaged recipe before its bytes are used.
  ZSTD_CCtx_setParameter(zstd_->cctx, ZSTD_c_checksumFlag, 1);
  out_.resize(kRecipeHeaderSize);  // filled in by Finish
}

RecipeWriter::~RecipeWriter() = default;

Status RecipeWriter::Fail(Status s) {
  error_ = s;
  return s;
}

Status RecipeWriter::AddEntry(ByteView raw_header, std::optional<Checksum> content,
                              uint64_t content_size, ByteView padding) {
  if (!error_.ok()) return error_;
  if (finished_) return Fail(Internal("recipe: AddEntry after Finish"));
  Status s = AddEntryRecord(raw_header, content, content_size, padding);
  if (!s.ok()) return Fail(s);
  entries_++;
  if (pending_.size() < kCompressBatch) return {};
  s = Compress(pending_, false);
  pending_.clear();
  if (s.ok() && spill_fd_ >= 0 && out_.size() >= kSpillBatch) s = Spill();
  return s.ok() ? s : Fail(s);
}

void RecipeWriter::SpillTo(int fd) { spill_fd_ = fd; }

Status RecipeWriter::Spill() {
  OCITREE_RETURN_IF_ERROR(WriteAll(spill_fd_, out_, "layer recipe"));
  spilled_ += out_.size();
  out_.clear();
  return {};
}

Status RecipeWriter::AddEntryRecord(ByteView raw_header, const std::optional<Checksum>& content,
                                    uint64_t content_size, ByteView padding) {
  if (raw_header.size() > kRecipeMaxHeaderBytes)
    return InvalidArgument("recipe: raw header of " + std::to_string(raw_header.size()) + " bytes is too large");
  if (padding.size() >= kBlockSize) return InvalidArgument("recipe: padding longer than a block");
  if (!content && content_size > 0) return InvalidArgument("recipe: content without a checksum");
  if (content_size > kRecipeMaxContentSize) return InvalidArgument("recipe: content size too large");
  OCITREE_RETURN_IF_ERROR(AddToSize(raw_header.size()));
  OCITREE_RETURN_IF_ERROR(AddToSize(content_size));
  OCITREE_RETURN_IF_ERROR(AddToSize(padding.size()));

  // Zero padding up to the block boundary is what the content size implies.
  const bool verbatim = padding.size() != tar::PaddingFor(content_size) || !AllZero(padding);
  pending_.push_back(kTagEntry);
  pending_.push_back((content ? kFlagContent : 0) | (verbatim ? kFlagPaddingVerbatim : 0));
  AppendVarint(pending_, content_size);
  if (content) pending_.insert(pending_.end(), content->bytes.begin(), content->bytes.end());
  AppendHeader(raw_header);
  if (verbatim) {
    AppendVarint(pending_, padding.size());
    pending_.insert(pending_.end(), padding.begin(), padding.end());
  }
  return {};
}

void RecipeWriter::AppendHeader(ByteView raw_header) {
  AppendVarint(pending_, raw_header.size());
  const size_t blocks = raw_header.size() / kBlockSize;
  const size_t bitmap_at = pending_.size();
  pending_.resize(bitmap_at + (blocks + 7) / 8, 0);
  const size_t data_at = pending_.size();
  pending_.insert(pending_.end(), raw_header.begin(), raw_header.end());
  for (size_t i = 0; i < blocks; i++) {
    if (!SumFieldElidable(raw_header.data() + i * kBlockSize)) continue;
    pending_[bitmap_at + i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    std::memset(pending_.data() + data_at + i * kBlockSize + kSumOffset, ' ', kSumSize);
  }
}

Status RecipeWriter::AddToSize(uint64_t n) {
  if (__builtin_add_overflow(tar_size_, n, &tar_size_)) return InvalidArgument("recipe: tar size overflows");
  return {};
}

Status RecipeWriter::Compress(ByteView data, bool end) {
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  const ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
  const size_t chunk = ZSTD_CStreamOutSize();
  for (;;) {
    const size_t used = out_.size();
    out_.resize(used + chunk);
    ZSTD_outBuffer out{out_.data() + used, chunk, 0};
    const size_t rc = ZSTD_compressStream2(zstd_->cctx, &out, &in, mode);
    out_.resize(used + out.pos);
    if (ZSTD_isError(rc)) return Internal(std::string("recipe: zstd: ") + ZSTD_getErrorName(rc));
    // Without `end`, zstd may keep output buffered: it comes with later calls.
    if (end ? rc == 0 : in.pos == in.size) return {};
  }
}

void RecipeWriter::FillHeader(uint8_t* header, const Checksum& diff_id) const {
  std::memcpy(header, kMagic, sizeof kMagic);
  header[kVersionOffset] = kRecipeVersion;
  header[kFlagsOffset] = 0;
  PutLe64(header + kTarSizeOffset, tar_size_);
  PutLe64(header + kEntriesOffset, entries_);
  std::memcpy(header + kDiffIdOffset, diff_id.bytes.data(), 32);
}

Result<Bytes> RecipeWriter::Finish(ByteView trailer, const Checksum& diff_id) {
  if (!error_.ok()) return error_;
  if (finished_) return Fail(Internal("recipe: Finish called twice"));
  if (spill_fd_ >= 0) return Fail(Internal("recipe: Finish of a spilled recipe"));
  finished_ = true;
  Status s = FinishBody(trailer);
  if (!s.ok()) return Fail(s);
  FillHeader(out_.data(), diff_id);
  out_.shrink_to_fit();
  return std::move(out_);
}

Result<uint64_t> RecipeWriter::FinishSpill(ByteView trailer, const Checksum& diff_id) {
  if (!error_.ok()) return error_;
  if (finished_) return Fail(Internal("recipe: Finish called twice"));
  if (spill_fd_ < 0) return Fail(Internal("recipe: FinishSpill without SpillTo"));
  finished_ = true;
  Status s = FinishBody(trailer);
  if (s.ok()) s = Spill();
  if (!s.ok()) return Fail(s);
  // The header's placeholder went out first; now its values are known.
  uint8_t header[kRecipeHeaderSize] = {};
  FillHeader(header, diff_id);
  if (pwrite(spill_fd_, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header))
    return Fail(Status::FromErrno("write layer recipe header", errno));
  return spilled_;
}

Status RecipeWriter::FinishBody(ByteView trailer) {
  if (trailer.size() > kRecipeMaxTrailerBytes) return InvalidArgument("recipe: tar trailer too large");
  OCITREE_RETURN_IF_ERROR(AddToSize(trailer.size()));
  pending_.push_back(kTagEnd);
  AppendVarint(pending_, trailer.size());
  pending_.insert(pending_.end(), trailer.begin(), trailer.end());
  Status s = Compress(pending_, true);
  pending_ = Bytes();
  return s;
}

// ---------------------------------------------------------------------------
// Reading

Result<RecipeHeader> ReadRecipeHeader(ByteView recipe) {
  if (recipe.size() < kRecipeHeaderSize) return Corrupt("recipe: too short for its header");
  if (std::memcmp(recipe.data(), kMagic, sizeof kMagic) != 0) return Corrupt("recipe: bad magic");
  RecipeHeader h;
  h.version = recipe[kVersionOffset];
  if (h.version != kRecipeVersion)
    return Unsupported("recipe: version " + std::to_string(h.version) + " (this ocitree reads version 1)");
  if (recipe[kFlagsOffset] != 0) return Unsupported("recipe: unknown header flags");
  h.tar_size = GetLe64(recipe.data() + kTarSizeOffset);
  h.entries = GetLe64(recipe.data() + kEntriesOffset);
  std::memcpy(h.diff_id.bytes.data(), recipe.data() + kDiffIdOffset, 32);
  return h;
}

namespace {

// Pulls the decompressed record stream out of the recipe body, which must be
// exactly one complete zstd frame.
class BodyReader {
 public:
  explicit BodyReader(ByteView body) : in_{body.data(), body.size(), 0}, buf_(kDecodeBuffer) {
    dctx_ = ZSTD_createDCtx();
    if (dctx_) ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, kReaderMaxWindowLog);
  }
  ~BodyReader() { ZSTD_freeDCtx(dctx_); }
  BodyReader(const BodyReader&) = delete;
  BodyReader& operator=(const BodyReader&) = delete;

  Status ReadExact(uint8_t* dst, size_t n) {
    return Stream(n, [&](ByteView piece) {
      std::memcpy(dst, piece.data(), piece.size());
      dst += piece.size();
      return Status();
    });
  }

  Result<uint8_t> ReadByte() {
    uint8_t b = 0;
    OCITREE_RETURN_IF_ERROR(ReadExact(&b, 1));
    return b;
  }

  Result<uint64_t> ReadVarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      OCITREE_ASSIGN_OR_RETURN(uint8_t b, ReadByte());
      // The 10th byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && b > 1) break;
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    return Corrupt("recipe: bad varint");
  }

  // Hands the next n bytes to fn, in pieces.
  template <typename Fn>
  Status Stream(uint64_t n, Fn&& fn) {
    while (n > 0) {
      if (pos_ == end_) OCITREE_RETURN_IF_ERROR(Fill());
      const size_t take = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
      OCITREE_RETURN_IF_ERROR(fn(ByteView(buf_.data() + pos_, take)));
      pos_ += take;
      n -= take;
    }
    return {};
  }

  // After the last record: nothing more in the frame, nothing after it.
  Status ExpectEnd() {
    if (pos_ != end_) return Corrupt("recipe: data after the end record");
    OCITREE_ASSIGN_OR_RETURN(bool more, Decode());
    if (more) return Corrupt("recipe: data after the end record");
    if (in_.pos != in_.size) return Corrupt("recipe: data after the zstd frame");
    return {};
  }

 private:
  Status Fill() {
    OCITREE_ASSIGN_OR_RETURN(bool more, Decode());
    if (!more) return Corrupt("recipe: ends inside a record");
    return {};
  }

  // Decodes the next piece into buf_; false once the frame has ended.
  Result<bool> Decode() {
    if (dctx_ == nullptr) return Internal("recipe: cannot create a zstd context");
    pos_ = end_ = 0;
    while (!frame_done_) {
      ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
      const size_t before = in_.pos;
      const size_t rc = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(rc)) return Corrupt(std::string("recipe: invalid zstd data: ") + ZSTD_getErrorName(rc));
      frame_done_ = rc == 0;
      end_ = out.pos;
      if (end_ > 0) return true;
      if (!frame_done_ && in_.pos == before) return Corrupt("recipe: truncated zstd frame");
    }
    return false;
  }

  ZSTD_DCtx* dctx_ = nullptr;
  ZSTD_inBuffer in_;
  Bytes buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool frame_done_ = false;
};

// What a walk over the records does with them.
class RecipeVisitor {
 public:
  virtual ~RecipeVisitor() = default;
  // Tar bytes kept in the recipe (headers, padding, trailer), in order.
  virtual Status Raw(ByteView bytes) = 0;
  // An entry's content, which comes from a content object.
  virtual Status Content(const Checksum& checksum, uint64_t size) = 0;
};

// Decodes the records in tar order and checks them against the header; every
// length is bounded before anything is read or allocated.
class RecipeWalker {
 public:
  RecipeWalker(ByteView recipe, const RecipeHeader& header, RecipeVisitor& visitor)
      : body_(recipe.subspan(kRecipeHeaderSize)), header_(header), visitor_(visitor) {}

  Status Run() {
    for (;;) {
      OCITREE_ASSIGN_OR_RETURN(uint8_t tag, body_.ReadByte());
      if (tag == kTagEnd) return End();
      if (tag != kTagEntry) return Corrupt("recipe: unknown record type " + std::to_string(tag));
      if (++entries_ > header_.entries) return Corrupt("recipe: more entries than its header says");
      OCITREE_RETURN_IF_ERROR(Entry());
    }
  }

 private:
  Status Entry() {
    OCITREE_ASSIGN_OR_RETURN(uint8_t flags, body_.ReadByte());
    if (flags & ~kKnownEntryFlags) return Corrupt("recipe: unknown entry flags");
    OCITREE_ASSIGN_OR_RETURN(uint64_t content_size, body_.ReadVarint());
    if (content_size > kRecipeMaxContentSize) return Corrupt("recipe: content size too large");
    Checksum checksum;
    if (flags & kFlagContent) {
      OCITREE_RETURN_IF_ERROR(body_.ReadExact(checksum.bytes.data(), checksum.bytes.size()));
    } else if (content_size > 0) {
      return Corrupt("recipe: content without a checksum");
    }
    OCITREE_RETURN_IF_ERROR(Header());
    if (flags & kFlagContent) {
      OCITREE_RETURN_IF_ERROR(Count(content_size));
      OCITREE_RETURN_IF_ERROR(visitor_.Content(checksum, content_size));
    }
    return Padding(flags & kFlagPaddingVerbatim, content_size);
  }

  Status Header() {
    OCITREE_ASSIGN_OR_RETURN(uint64_t len, body_.ReadVarint());
    if (len > kRecipeMaxHeaderBytes) return Corrupt("recipe: raw header record over 4 MiB");
    OCITREE_RETURN_IF_ERROR(Count(len));
    const size_t blocks = static_cast<size_t>(len) / kBlockSize;
    std::array<uint8_t, kMaxBitmapBytes> bitmap;
    OCITREE_RETURN_IF_ERROR(body_.ReadExact(bitmap.data(), (blocks + 7) / 8));
    uint8_t block[kBlockSize];
    for (size_t i = 0; i < blocks; i++) {
      OCITREE_RETURN_IF_ERROR(body_.ReadExact(block, kBlockSize));
      if (bitmap[i / 8] & (1u << (i % 8))) OCITREE_RETURN_IF_ERROR(RestoreSumField(block));
      OCITREE_RETURN_IF_ERROR(visitor_.Raw(ByteView(block, kBlockSize)));
    }
    return body_.Stream(len % kBlockSize, [&](ByteView b) { return visitor_.Raw(b); });
  }

  static Status RestoreSumField(uint8_t* block) {
    static constexpr uint8_t kSpaces[kSumSize] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    if (std::memcmp(block + kSumOffset, kSpaces, kSumSize) != 0)
      return Corrupt("recipe: elided header checksum field is not blank");
    const auto field = tar::CanonicalChecksumField(tar::Block(block, tar::kBlockSize));
    std::memcpy(block + kSumOffset, field.data(), kSumSize);
    return {};
  }

  Status Padding(bool verbatim, uint64_t content_size) {
    static constexpr uint8_t kZeros[kBlockSize] = {};
    if (!verbatim) {
      const size_t n = static_cast<size_t>(tar::PaddingFor(content_size));
      OCITREE_RETURN_IF_ERROR(Count(n));
      return visitor_.Raw(ByteView(kZeros, n));
    }
    OCITREE_ASSIGN_OR_RETURN(uint64_t n, body_.ReadVarint());
    if (n >= kBlockSize) return Corrupt("recipe: padding longer than a block");
    OCITREE_RETURN_IF_ERROR(Count(n));
    return body_.Stream(n, [&](ByteView b) { return visitor_.Raw(b); });
  }

  Status End() {
    OCITREE_ASSIGN_OR_RETURN(uint64_t len, body_.ReadVarint());
    if (len > kRecipeMaxTrailerBytes) return Corrupt("recipe: trailer record over 8 MiB");
    OCITREE_RETURN_IF_ERROR(Count(len));
    OCITREE_RETURN_IF_ERROR(body_.Stream(len, [&](ByteView b) { return visitor_.Raw(b); }));
    OCITREE_RETURN_IF_ERROR(body_.ExpectEnd());
    if (entries_ != header_.entries) return Corrupt("recipe: fewer entries than its header says");
    if (size_ != header_.tar_size) return Corrupt("recipe: records do not add up to the tar size");
    return {};
  }

  // Counting before visiting stops a hostile recipe from making us produce
  // more than the header announced.
  Status Count(uint64_t n) {
    OCITREE_RETURN_IF_ERROR(CheckedAdd(&size_, n));
    if (size_ > header_.tar_size) return Corrupt("recipe: records exceed the tar size");
    return {};
  }

  BodyReader body_;
  const RecipeHeader& header_;
  RecipeVisitor& visitor_;
  uint64_t entries_ = 0;
  uint64_t size_ = 0;
};

class ContentVisitor : public RecipeVisitor {
 public:
  explicit ContentVisitor(const std::function<void(const Checksum&)>& fn) : fn_(fn) {}
  Status Raw(ByteView) override { return {}; }
  Status Content(const Checksum& checksum, uint64_t) override {
    fn_(checksum);
    return {};
  }

 private:
  const std::function<void(const Checksum&)>& fn_;
};

class SummaryVisitor : public RecipeVisitor {
 public:
  explicit SummaryVisitor(RecipeSummary* summary) : summary_(summary) {}
  Status Raw(ByteView) override { return {}; }
  Status Content(const Checksum& checksum, uint64_t size) override {
    summary_->content_refs++;
    summary_->content_bytes += size;  // bounded by the tar size: no overflow
    summary_->contents.push_back(checksum);
    return {};
  }

 private:
  RecipeSummary* summary_;
};

// Writes the tar through a fixed buffer, hashing what goes to the sink.
class TarAssembler : public RecipeVisitor {
 public:
  TarAssembler(const ContentOpener& open, ByteSink& sink) : open_(open), sink_(sink), buf_(kOutputBuffer) {}

  Status Raw(ByteView bytes) override {
    while (!bytes.empty()) {
      if (used_ == buf_.size()) OCITREE_RETURN_IF_ERROR(Flush());
      const size_t n = std::min(bytes.size(), buf_.size() - used_);
      std::memcpy(buf_.data() + used_, bytes.data(), n);
      used_ += n;
      bytes = bytes.subspan(n);
    }
    return {};
  }

  Status Content(const Checksum& checksum, uint64_t size) override {
    Status s = CopyContent(checksum, size);
    return s.ok() ? s : s.WithContext("content object " + checksum.Hex());
  }

  Status Flush() {
    const ByteView data(buf_.data(), used_);
    sha_.Update(data);
    written_ += used_;
    used_ = 0;
    return sink_.Write(data);
  }

  uint64_t written() const { return written_; }
  Checksum Digest() { return sha_.Finish(); }

 private:
  Status CopyContent(const Checksum& checksum, uint64_t size) {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> in, open_(checksum, size));
    if (!in) return Internal("content opener returned no reader");
    for (uint64_t left = size; left > 0;) {
      if (used_ == buf_.size()) OCITREE_RETURN_IF_ERROR(Flush());
      const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf_.size() - used_));
      OCITREE_ASSIGN_OR_RETURN(size_t got, in->Read({buf_.data() + used_, want}));
      if (got == 0) return Corrupt("shorter than the " + std::to_string(size) + " bytes the recipe records");
      used_ += got;
      left -= got;
    }
    uint8_t probe;
    OCITREE_ASSIGN_OR_RETURN(size_t extra, in->Read({&probe, 1}));
    if (extra != 0) return Corrupt("longer than the " + std::to_string(size) + " bytes the recipe records");
    return {};
  }

  const ContentOpener& open_;
  ByteSink& sink_;
  Bytes buf_;
  size_t used_ = 0;
  uint64_t written_ = 0;
  Sha256 sha_;
};

}  // namespace

Result<RecipeSummary> InspectRecipe(ByteView recipe) {
  RecipeSummary summary;
  OCITREE_ASSIGN_OR_RETURN(summary.header, ReadRecipeHeader(recipe));
  SummaryVisitor visitor(&summary);
  OCITREE_RETURN_IF_ERROR(RecipeWalker(recipe, summary.header, visitor).Run());
  std::sort(summary.contents.begin(), summary.contents.end());
  summary.contents.erase(std::unique(summary.contents.begin(), summary.contents.end()), summary.contents.end());
  return summary;
}

Status ForEachRecipeContent(ByteView recipe, const std::function<void(const Checksum&)>& fn) {
  OCITREE_ASSIGN_OR_RETURN(RecipeHeader header, ReadRecipeHeader(recipe));
  ContentVisitor visitor(fn);
  return RecipeWalker(recipe, header, visitor).Run();
}

Status RebuildTar(ByteView recipe, const ContentOpener& open, ByteSink& sink) {
  OCITREE_ASSIGN_OR_RETURN(RecipeHeader header, ReadRecipeHeader(recipe));
  TarAssembler out(open, sink);
  OCITREE_RETURN_IF_ERROR(RecipeWalker(recipe, header, out).Run());
  OCITREE_RETURN_IF_ERROR(out.Flush());
  if (out.written() != header.tar_size) return Corrupt("rebuilt tar has the wrong length");
  const Checksum digest = out.Digest();
  if (digest != header.diff_id)
    return Corrupt("rebuilt tar has digest sha256:" + digest.Hex() + ", the recipe records sha256:" +
                   header.diff_id.Hex());
  return {};
}

}  // namespace ocitree
