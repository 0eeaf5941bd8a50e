// The reading side of a blob download: a bound on how many run at once, and
// the reader that hands out a blob's raw bytes from an offset, whether the
// registry honoured the Range request (206) or sent the whole blob (200).
#ifndef OCITREE_REGISTRY_BLOB_READER_H_
#define OCITREE_REGISTRY_BLOB_READER_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/io.h"
#include "registry/http_client.h"

namespace ocitree::registry {

// A counting semaphore whose permits are held by readers.
class ConnectionSlots {
 public:
  explicit ConnectionSlots(int count) : free_(count < 1 ? 1 : count) {}

  class Permit {
   public:
    explicit Permit(ConnectionSlots* slots) : slots_(slots) {}
    ~Permit();
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;

   private:
    ConnectionSlots* slots_;
  };

  // Waits for a free slot.
  std::unique_ptr<Permit> Acquire();
  // A slot only if more than `keep_free` are free now; null otherwise.
  std::unique_ptr<Permit> TryAcquire(int keep_free);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

// Discards the first `skip` bytes of the body (a 200 to a Range request),
// then passes `length` bytes through; one byte more is kCorrupt at once, so
// an endless body costs at most one buffer beyond the blob. A transfer that
// breaks off is kIo saying how far it got (the caller can resume there).
class BlobReader : public ByteReader {
 public:
  BlobReader(std::unique_ptr<HttpStream> stream, uint64_t skip, uint64_t offset, uint64_t length, std::string name,
             std::unique_ptr<ConnectionSlots::Permit> permit);
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  std::unique_ptr<HttpStream> stream_;
  uint64_t skip_;
  uint64_t offset_;  // where this reader starts in the blob, for messages
  uint64_t length_;
  uint64_t count_ = 0;
  std::string name_;
  std::unique_ptr<ConnectionSlots::Permit> permit_;
  Status error_;
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_BLOB_READER_H_
