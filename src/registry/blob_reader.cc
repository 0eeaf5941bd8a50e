#include "registry/blob_reader.h"

#include <algorithm>

namespace ocitree::registry {

ConnectionSlots::Permit::~Permit() {
  {
    std::lock_guard<std::mutex> lock(slots_->mu_);
    slots_->free_++;
  }
  slots_->cv_.notify_one();
}

std::unique_ptr<ConnectionSlots::Permit> ConnectionSlots::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return free_ > 0; });
  free_--;
  return std::make_unique<Permit>(this);
}

std::unique_ptr<ConnectionSlots::Permit> ConnectionSlots::TryAcquire(int keep_free) {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_ <= keep_free) return nullptr;
  free_--;
  return std::make_unique<Permit>(this);
}

BlobReader::BlobReader(std::unique_ptr<HttpStream> stream, uint64_t skip, uint64_t offset, uint64_t length,
                       std::string name, std::unique_ptr<ConnectionSlots::Permit> permit)
    : stream_(std::move(stream)),
      skip_(skip),
      offset_(offset),
      length_(length),
      name_(std::move(name)),
      permit_(std::move(permit)) {}

namespace {
// "NAME: what", or just "what" for a nameless reader.
std::string Named(const std::string& name, const std::string& what) { return name.empty() ? what : name + ": " + what; }
}  // namespace

Result<size_t> BlobReader::Read(std::span<uint8_t> buf) {
  if (!error_.ok()) return error_;
  if (buf.empty()) return size_t{0};
  while (skip_ > 0) {
    Result<size_t> n = stream_->Read(buf.first(static_cast<size_t>(std::min<uint64_t>(skip_, buf.size()))));
    if (!n.ok()) return error_ = Status::Error(n.status().code(), Named(name_, n.status().message()));
    if (*n == 0) return error_ = Corrupt(Named(name_, "the answer ended before offset " + std::to_string(offset_)));
    skip_ -= *n;
  }
  uint64_t left = length_ - count_;
  if (left < buf.size()) buf = buf.first(static_cast<size_t>(left) + 1);
  Result<size_t> n = stream_->Read(buf);
  if (!n.ok()) {
    return error_ = Status::Error(n.status().code(), Named(name_, "transfer broke off after " +
                                                                      std::to_string(offset_ + count_) +
                                                                      " bytes: " + n.status().message()));
  }
  count_ += *n;
  if (count_ > length_) {
    return error_ = Corrupt(Named(name_, "the registry sends more than the " + std::to_string(offset_ + length_) +
                                             " bytes the descriptor gives"));
  }
  return *n;
}

}  // namespace ocitree::registry
