#include "oci/verifying_reader.h"

namespace ocitree::oci {

VerifyingReader::VerifyingReader(std::unique_ptr<ByteReader> source, Digest expected, uint64_t size,
                                 std::string name)
    : source_(std::move(source)), expected_(expected), size_(size), name_(std::move(name)) {}

Status VerifyingReader::Fail(Status status) {
  error_ = status;
  return status;
}

Result<size_t> VerifyingReader::Read(std::span<uint8_t> buf) {
  if (!error_.ok()) return error_;
  if (done_ || buf.empty()) return size_t{0};
  // One byte past the declared size is enough to prove the blob too long.
  uint64_t left = size_ - count_;
  if (left < buf.size()) buf = buf.first(static_cast<size_t>(left) + 1);
  Result<size_t> n = source_->Read(buf);
  if (!n.ok()) return Fail(n.status().WithContext(name_));
  if (*n > 0) {
    count_ += *n;
    if (count_ > size_) {
      return Fail(Corrupt(name_ + ": blob is larger than the " + std::to_string(size_) +
                          " bytes its descriptor gives"));
    }
    sha_.Update(std::span<const uint8_t>(buf.data(), *n));
    return *n;
  }
  if (count_ != size_) {
    return Fail(Corrupt(name_ + ": blob has " + std::to_string(count_) +
                        " bytes, its descriptor gives " + std::to_string(size_)));
  }
  Digest actual(sha_.Finish());
  if (actual != expected_) {
    return Fail(Corrupt(name_ + ": digest mismatch: expected " + expected_.ToString() + ", got " +
                        actual.ToString()));
  }
  done_ = true;
  return size_t{0};
}

}  // namespace ocitree::oci
