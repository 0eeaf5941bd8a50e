#include "base/read_ahead_reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

namespace ocitree {
namespace {

// Hands out `data` in pieces of 1..max_piece bytes, then `end` (an error
// when not ok, else the end of the stream); counts its reads.
class PieceReader : public ByteReader {
 public:
  PieceReader(Bytes data, size_t max_piece, Status end, std::atomic<size_t>* reads = nullptr)
      : data_(std::move(data)), max_piece_(max_piece), end_(std::move(end)), reads_(reads) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (reads_) (*reads_)++;
    if (pos_ == data_.size()) {
      if (!end_.ok()) return end_;
      return size_t{0};
    }
    size_t n = std::min({buf.size(), data_.size() - pos_, 1 + rng_() % max_piece_});
    std::copy(data_.begin() + static_cast<std::ptrdiff_t>(pos_), data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n),
              buf.begin());
    pos_ += n;
    return n;
  }

 private:
  Bytes data_;
  size_t max_piece_;
  Status end_;
  std::atomic<size_t>* reads_;
  size_t pos_ = 0;
  std::mt19937 rng_{7};
};

// An endless source.
class EndlessReader : public ByteReader {
 public:
  Result<size_t> Read(std::span<uint8_t> buf) override {
    std::fill(buf.begin(), buf.end(), uint8_t{0x5a});
    return buf.size();
  }
};

Bytes Pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++) b[i] = static_cast<uint8_t>(i * 131 + (i >> 9));
  return b;
}

// Reads everything in pieces of up to `piece`; returns the bytes and the
// final status.
Status ReadAll(ByteReader& r, size_t piece, Bytes* out) {
  Bytes buf(piece);
  for (;;) {
    Result<size_t> n = r.Read(buf);
    if (!n.ok()) return n.status();
    if (*n == 0) return {};
    out->insert(out->end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
}

TEST(ReadAheadReaderTest, SameBytesAndEndWhateverThePieceSizes) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{1} << 20, (size_t{3} << 20) + 17}) {
    for (size_t piece : {size_t{1}, size_t{1000}, size_t{70000}}) {
      const Bytes data = Pattern(size);
      ReadAheadReader r(std::make_unique<PieceReader>(data, 20000, Status()), 64 << 10, 3);
      Bytes got;
      ASSERT_TRUE(ReadAll(r, piece, &got).ok());
      EXPECT_TRUE(got == data) << size << " bytes read " << piece << " at a time";
      // The end stays the end.
      uint8_t b;
      auto again = r.Read(std::span<uint8_t>(&b, 1));
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(*again, 0u);
    }
  }
}

TEST(ReadAheadReaderTest, ErrorComesAfterEveryByteBeforeIt) {
  const Bytes data = Pattern(300000);
  ReadAheadReader r(std::make_unique<PieceReader>(data, 16384, Status::Error(ErrorCode::kIo, "connection reset at 300000")),
                    32 << 10, 2);
  Bytes got;
  Status s = ReadAll(r, 5000, &got);
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_EQ(s.message(), "connection reset at 300000");
  EXPECT_TRUE(got == data);
  uint8_t b;
  EXPECT_EQ(r.Read(std::span<uint8_t>(&b, 1)).status().code(), ErrorCode::kIo) << "the error is sticky";
}

TEST(ReadAheadReaderTest, ReadsOnlyABoundedWayAhead) {
  std::atomic<size_t> reads{0};
  // 1-byte pieces: every source read is one byte, so reads bound the bytes taken.
  auto r = std::make_unique<ReadAheadReader>(std::make_unique<PieceReader>(Pattern(1 << 20), 1, Status(), &reads),
                                              4096, 2);
  uint8_t b;
  ASSERT_TRUE(r->Read(std::span<uint8_t>(&b, 1)).ok());
  for (int i = 0; i < 50 && reads.load() < 3 * 4096; i++) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_LE(reads.load(), size_t{3 * 4096 + 1}) << "two chunks held, one being filled";
}

TEST(ReadAheadReaderTest, StopsAnEndlessSourceWhenDestroyed) {
  auto r = std::make_unique<ReadAheadReader>(std::make_unique<EndlessReader>(), 8192, 2);
  Bytes buf(1000);
  ASSERT_TRUE(r->Read(buf).ok());
  r.reset();  // must return: the thread waits for room, then sees the stop
  SUCCEED();
}

TEST(ReadAheadReaderTest, ABorrowedSourceIsLeftAloneOnceTheEndIsReturned) {
  const Bytes data = Pattern((size_t{1} << 20) + 5);
  std::atomic<size_t> reads{0};
  PieceReader source(data, 30000, Status(), &reads);
  Bytes got;
  {
    ReadAheadReader r(source, 16 << 10, 3);
    ASSERT_TRUE(ReadAll(r, 7000, &got).ok());
    EXPECT_TRUE(got == data);
    const size_t after_end = reads.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(reads.load(), after_end) << "no source read after the end was handed out";
  }
  // The caller owns the source again (the layer import reads past the
  // compressed stream's end this way).
  uint8_t b;
  auto more = source.Read(std::span<uint8_t>(&b, 1));
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(*more, 0u);
}

TEST(ReadAheadReaderTest, ABorrowedSourceIsLeftAloneOnceDestroyed) {
  std::atomic<size_t> reads{0};
  PieceReader source(Pattern(1 << 20), 1, Status(), &reads);
  {
    ReadAheadReader r(source, 4096, 2);
    uint8_t b;
    ASSERT_TRUE(r.Read(std::span<uint8_t>(&b, 1)).ok());
  }
  const size_t after = reads.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(reads.load(), after);
  EXPECT_LT(after, size_t{1} << 20) << "it stopped reading ahead";
}

}  // namespace
}  // namespace ocitree
