// One HTTP exchange over libcurl, streamed: HttpStream::Open returns once the
// status line and headers are in, and the body is then pulled through
// Read. Each stream drives its own curl multi handle from the reading
// thread, and curl is paused while the reader has not taken the last chunk,
// so at most one chunk (16 KiB) waits in memory whatever the body's size.
// No redirects, auth or retries here: registry_client.h decides those.
#ifndef OCITREE_REGISTRY_HTTP_CLIENT_H_
#define OCITREE_REGISTRY_HTTP_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/io.h"
#include "ocitree/status.h"
#include "registry/tls_config.h"

typedef void CURL;
typedef void CURLM;
typedef void CURLSH;
struct curl_slist;

namespace ocitree::registry {

// What the streams of a session share (thread safe): DNS answers and TLS
// sessions through a curl share handle, and idle multi handles with the
// connections they keep open, so a blob download reuses the connection the
// manifest came over. (curl's shared connection cache is not safe across
// threads; a multi handle used by one stream at a time is.)
class CurlShare {
 public:
  CurlShare();
  ~CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  CURLSH* get() const { return share_; }
  // For curl's lock callbacks: one mutex per kind of shared data.
  std::mutex& mutex(int data) { return mu_[static_cast<size_t>(data) % 8]; }

  // An idle multi handle (with open connections) or a new one.
  CURLM* AcquireMulti();
  // Takes it back for reuse (no easy handle attached); extra ones are closed.
  void ReleaseMulti(CURLM* multi);

 private:
  CURLSH* share_ = nullptr;
  std::mutex mu_[8];
  std::mutex pool_mu_;
  std::vector<CURLM*> idle_;
};

struct HttpSettings {
  TlsSettings tls;
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH or DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // POST only (form data), copied
  // POST, PUT, PATCH: the body, sent as is and not copied (a blob chunk),
  // so it must stay valid until the stream is destroyed. Give a
  // Content-Type header with it. POST uses `body` when this is empty.
  ByteView payload;
};

// Why a request got no response, or its body broke off.
enum class TransportFailure {
  kNone,
  kRetryable,  // connection refused/reset, timeout, body cut short
  kTls,        // handshake or certificate verification: asking again will not help
  kFatal,      // anything else (bad URL, unresolvable host, headers too large)
};

class HttpStream : public ByteReader {
 public:
  // Sends the request; returns once the final response's headers are in.
  // Fails (kIo) when no response came; `*failure` says what kind.
  // `counter`, if set, is increased by every body byte received. Once
  // `*cancel` (if given) turns true, waiting for the headers or the body
  // ends with kCancelled within a second (the longest wait on the socket).
  static Result<std::unique_ptr<HttpStream>> Open(const HttpRequest& request, const HttpSettings& settings,
                                                  CurlShare* share, std::atomic<uint64_t>* counter,
                                                  TransportFailure* failure,
                                                  const std::atomic<bool>* cancel = nullptr);
  ~HttpStream() override;

  long status() const { return status_; }
  const std::string& url() const { return url_; }
  // The last value of a header (names are case-insensitive), or "".
  std::string Header(std::string_view name) const;
  // Every value of a header, in order (WWW-Authenticate may repeat).
  std::vector<std::string> Headers(std::string_view name) const;
  std::optional<uint64_t> ContentLength() const;
  // The Content-Type without parameters, lowercased.
  std::string MediaType() const;

  // The body. A transfer that breaks off is kIo; failure() then says why.
  Result<size_t> Read(std::span<uint8_t> buf) override;
  // The rest of the body, at most `limit` bytes (kUnsupported past it; the
  // transfer stops there, so an endless body costs `limit` bytes).
  Result<std::string> ReadAll(size_t limit);
  // Reads what remains of a short error body (up to 64 KiB), ignoring
  // failures: the status already says what happened.
  std::string ReadErrorBody();

  TransportFailure failure() const { return failure_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  HttpStream() = default;
  static size_t OnHeader(char* data, size_t size, size_t n, void* self);
  static size_t OnWrite(char* data, size_t size, size_t n, void* self);
  Status Setup(const HttpRequest& request, const HttpSettings& settings, CurlShare* share);
  // One round of curl work; waits for the socket unless data is waiting.
  Status Drive(bool want_body);
  Status TransferError();

  CURL* easy_ = nullptr;
  CURLM* multi_ = nullptr;
  CurlShare* share_ = nullptr;  // owns multi_ when set
  bool reusable_ = false;       // the transfer ended cleanly: keep its connection
  curl_slist* header_list_ = nullptr;
  std::string method_;
  std::string url_;
  std::string extra_ca_pem_;
  char errbuf_[256] = {};
  long status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;  // names lowercased
  size_t header_bytes_ = 0;
  bool headers_too_large_ = false;
  bool headers_done_ = false;
  std::string pending_;  // body bytes curl gave that no Read has taken yet
  size_t pending_pos_ = 0;
  // The buffer of the Read waiting for curl: OnWrite fills it first, so the
  // bytes are not copied through pending_.
  std::span<uint8_t> target_;
  size_t target_filled_ = 0;
  bool paused_ = false;
  bool done_ = false;
  int result_ = 0;  // CURLcode
  std::atomic<uint64_t>* counter_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
  uint64_t body_bytes_ = 0;
  TransportFailure failure_ = TransportFailure::kNone;
  Status error_;
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_HTTP_CLIENT_H_
