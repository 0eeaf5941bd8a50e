#include "registry/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "base/log.h"

namespace ocitree::registry {

namespace {

// A response whose headers take more than this is hostile or broken.
constexpr size_t kMaxHeaderBytes = 256 * 1024;
constexpr size_t kMaxErrorBody = 64 * 1024;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void LockShare(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<CurlShare*>(self)->mutex(data).lock();
}
void UnlockShare(CURL*, curl_lock_data data, void* self) { static_cast<CurlShare*>(self)->mutex(data).unlock(); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

TransportFailure Classify(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportFailure::kRetryable;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return TransportFailure::kTls;
    default:
      return TransportFailure::kFatal;
  }
}

CURLcode OnSslContext(CURL*, void* ssl_ctx, void* pem) {
  // The files were checked when they were read; a failure here would only
  // mean fewer trusted CAs, which verification then reports.
  AddCaCertificates(ssl_ctx, *static_cast<const std::string*>(pem));
  return CURLE_OK;
}

}  // namespace

CurlShare::CurlShare() {
  InitCurlOnce();
  share_ = curl_share_init();
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, LockShare);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, UnlockShare);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

CurlShare::~CurlShare() {
  for (CURLM* m : idle_) curl_multi_cleanup(m);
  curl_share_cleanup(share_);
}

CURLM* CurlShare::AcquireMulti() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      CURLM* m = idle_.back();
      idle_.pop_back();
      return m;
    }
  }
  return curl_multi_init();
}

void CurlShare::ReleaseMulti(CURLM* multi) {
  constexpr size_t kMaxIdle = 8;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(multi);
      return;
    }
  }
  curl_multi_cleanup(multi);
}

HttpStream::~HttpStream() {
  if (multi_ && easy_) curl_multi_remove_handle(multi_, easy_);
  if (easy_) curl_easy_cleanup(easy_);
  if (multi_) {
    // A transfer stopped halfway leaves its connection unusable; curl closes
    // it, but a fresh multi handle is cheaper than finding out.
    if (share_ && reusable_) {
      share_->ReleaseMulti(multi_);
    } else {
      curl_multi_cleanup(multi_);
    }
  }
  curl_slist_free_all(header_list_);
}

size_t HttpStream::OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* self = static_cast<HttpStream*>(p);
  size_t total = size * n;
  self->header_bytes_ += total;
  if (self->header_bytes_ > kMaxHeaderBytes) {
    self->headers_too_large_ = true;
    return 0;  // aborts the transfer
  }
  std::string_view line(data, total);
  if (line.starts_with("HTTP/")) {
    // A new response (after 100 Continue, say): forget the last one's headers.
    self->headers_.clear();
    self->headers_done_ = false;
    size_t space = line.find(' ');
    self->status_ = space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    return total;
  }
  std::string_view trimmed = Trim(line);
  if (trimmed.empty()) {
    if (self->status_ >= 200) self->headers_done_ = true;
    return total;
  }
  if ((line.front() == ' ' || line.front() == '\t') && !self->headers_.empty()) {
    self->headers_.back().second += " " + std::string(trimmed);  // obsolete line folding
    return total;
  }
  size_t colon = trimmed.find(':');
  if (colon == std::string_view::npos) return total;
  self->headers_.emplace_back(Lower(Trim(trimmed.substr(0, colon))), std::string(Trim(trimmed.substr(colon + 1))));
  return total;
}

size_t HttpStream::OnWrite(char* data, size_t size, size_t n, void* p) {
  auto* self = static_cast<HttpStream*>(p);
  size_t total = size * n;
  // The reader has not taken the last chunk: let curl hold this one (it
  // stops reading the socket) until Read unpauses.
  if (self->pending_pos_ < self->pending_.size()) {
    self->paused_ = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  size_t direct = std::min(total, self->target_.size() - self->target_filled_);
  if (direct > 0) {
    std::memcpy(self->target_.data() + self->target_filled_, data, direct);
    self->target_filled_ += direct;
  }
  self->pending_.assign(data + direct, total - direct);
  self->pending_pos_ = 0;
  self->body_bytes_ += total;
  if (self->counter_) self->counter_->fetch_add(total, std::memory_order_relaxed);
  return total;
}

Status HttpStream::Setup(const HttpRequest& request, const HttpSettings& settings, CurlShare* share) {
  InitCurlOnce();
  method_ = request.method;
  url_ = request.url;
  share_ = share;
  easy_ = curl_easy_init();
  multi_ = share ? share->AcquireMulti() : curl_multi_init();
  if (!easy_ || !multi_) return Internal("curl initialisation failed");
  CURL* e = easy_;
  curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
  if (share) curl_easy_setopt(e, CURLOPT_SHARE, share->get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // Redirects are followed by the caller, which decides where credentials go.
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  // HTTP/1.1: one transfer per connection keeps pausing one blob from
  // stalling another that shares an HTTP/2 connection.
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, settings.connect_timeout_seconds);
  // No overall timeout (a large blob takes what it takes), but a transfer
  // that moves nothing for this long is dead.
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, settings.stall_timeout_seconds);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  // Blobs arrive in pieces of up to this size (curl's default is 16 KiB):
  // fewer socket reads, callbacks and pauses per megabyte.
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "ocitree/0.1.0");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &HttpStream::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpStream::OnWrite);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST" && request.payload.empty()) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, long(request.body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    // The body as POST fields (curl sends it from memory, with a
    // Content-Length) under the method asked for.
    static const char kEmpty[] = "";
    const void* data = request.payload.empty() ? static_cast<const void*>(kEmpty) : request.payload.data();
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.payload.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, data);
    if (request.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method == "DELETE") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else if (request.method != "GET") {
    return Internal("unsupported HTTP method " + request.method);
  }
  for (const std::string& h : request.headers) header_list_ = curl_slist_append(header_list_, h.c_str());
  // curl would add "Expect: 100-continue" to larger POSTs; a token server
  // may not know it.
  header_list_ = curl_slist_append(header_list_, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list_);
  const TlsSettings& tls = settings.tls;
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.extra_ca_pem.empty()) {
    extra_ca_pem_ = tls.extra_ca_pem;
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &OnSslContext);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &extra_ca_pem_);
  }
  if (!tls.client_cert.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEY, tls.client_key.c_str());
  }
  if (curl_multi_add_handle(multi_, e) != CURLM_OK) return Internal("curl_multi_add_handle failed");
  return {};
}

Status HttpStream::TransferError() {
  auto rc = static_cast<CURLcode>(result_);
  failure_ = headers_too_large_ ? TransportFailure::kFatal : Classify(rc);
  std::string what = method_ + " " + url_ + ": ";
  if (headers_too_large_) return Status::Error(ErrorCode::kIo, what + "response headers over 256 KiB");
  std::string detail = errbuf_[0] ? errbuf_ : curl_easy_strerror(rc);
  // With TLS 1.3 a refused client certificate arrives as an alert on the
  // first read, which looks like a lost connection: asking again is futile.
  if ((rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR) && detail.find("SSL routines") != std::string::npos &&
      detail.find("alert") != std::string::npos) {
    failure_ = TransportFailure::kTls;
    if (detail.find("bad certificate") != std::string::npos ||
        detail.find("certificate required") != std::string::npos) {
      detail += " (does the registry want a client certificate? put NAME.cert and NAME.key in --cert-dir DIR)";
    }
  }
  if (rc == CURLE_SSL_CONNECT_ERROR && detail.find("wrong version number") != std::string::npos) {
    detail += " (the server does not speak TLS: a plain-http registry needs --tls-verify=false)";
  } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR) {
    detail += " (give the registry's CA certificate with --cert-dir DIR, or skip checks with --tls-verify=false)";
  }
  return Status::Error(ErrorCode::kIo, what + detail);
}

Status HttpStream::Drive(bool want_body) {
  int running = 0;
  CURLMcode mc = curl_multi_perform(multi_, &running);
  if (mc != CURLM_OK) return Internal(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg == CURLMSG_DONE) {
      done_ = true;
      result_ = msg->data.result;
      reusable_ = result_ == CURLE_OK;
    }
  }
  bool ready = done_ || paused_ || (want_body ? pending_pos_ < pending_.size() || target_filled_ > 0 : headers_done_);
  if (ready) return {};
  if (cancel_ && cancel_->load()) return Status::Error(ErrorCode::kCancelled, method_ + " " + url_ + ": cancelled");
  // Bounded wait: curl's own timers (connect, low speed) run on the next
  // perform, and a cancel is seen after it.
  mc = curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  if (mc != CURLM_OK) return Internal(std::string("curl_multi_poll: ") + curl_multi_strerror(mc));
  return {};
}

Result<std::unique_ptr<HttpStream>> HttpStream::Open(const HttpRequest& request, const HttpSettings& settings,
                                                     CurlShare* share, std::atomic<uint64_t>* counter,
                                                     TransportFailure* failure, const std::atomic<bool>* cancel) {
  *failure = TransportFailure::kNone;
  std::unique_ptr<HttpStream> s(new HttpStream());
  s->counter_ = counter;
  s->cancel_ = cancel;
  Status setup = s->Setup(request, settings, share);
  if (!setup.ok()) {
    *failure = TransportFailure::kFatal;
    return setup;
  }
  LogDebug(request.method + " " + request.url);
  while (!s->headers_done_ && !s->done_) OCITREE_RETURN_IF_ERROR(s->Drive(/*want_body=*/false));
  if (!s->headers_done_ || (s->done_ && s->result_ != CURLE_OK)) {
    if (s->done_ && s->result_ == CURLE_OK) {
      *failure = TransportFailure::kRetryable;
      return Status::Error(ErrorCode::kIo, request.method + " " + request.url + ": no HTTP response");
    }
    Status error = s->TransferError();
    *failure = s->failure_;
    // Headers in, body broken: still a response the caller can judge.
    if (!s->headers_done_) return error;
    s->error_ = error;
  }
  long code = 0;
  curl_easy_getinfo(s->easy_, CURLINFO_RESPONSE_CODE, &code);
  if (code != 0) s->status_ = code;
  LogDebug(request.method + " " + request.url + " -> " + std::to_string(s->status_));
  return s;
}

std::string HttpStream::Header(std::string_view name) const {
  std::string key = Lower(name);
  for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return "";
}

std::vector<std::string> HttpStream::Headers(std::string_view name) const {
  std::string key = Lower(name);
  std::vector<std::string> out;
  for (const auto& [k, v] : headers_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::optional<uint64_t> HttpStream::ContentLength() const {
  std::string v = Header("content-length");
  if (v.empty() || v.size() > 19 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(v);
}

std::string HttpStream::MediaType() const {
  std::string v = Header("content-type");
  return Lower(Trim(std::string_view(v).substr(0, v.find(';'))));
}

Result<size_t> HttpStream::Read(std::span<uint8_t> buf) {
  if (buf.empty()) return size_t{0};
  // Whatever curl delivers while this Read waits goes to `buf` first.
  struct Target {
    HttpStream* s;
    ~Target() {
      s->target_ = {};
      s->target_filled_ = 0;
    }
  } target{this};
  target_ = buf;
  target_filled_ = 0;
  for (;;) {
    if (target_filled_ > 0) return target_filled_;
    if (pending_pos_ < pending_.size()) {
      size_t n = std::min(buf.size(), pending_.size() - pending_pos_);
      std::memcpy(buf.data(), pending_.data() + pending_pos_, n);
      pending_pos_ += n;
      return n;
    }
    if (!error_.ok()) return error_;
    if (done_) {
      if (result_ != CURLE_OK) {
        error_ = TransferError();
        return error_;
      }
      return size_t{0};
    }
    if (paused_) {
      paused_ = false;
      // Delivers what curl held back (through OnWrite) before returning.
      CURLcode rc = curl_easy_pause(easy_, CURLPAUSE_CONT);
      if (rc != CURLE_OK) {
        result_ = rc;
        done_ = true;
      }
      continue;
    }
    Status s = Drive(/*want_body=*/true);
    if (!s.ok()) {
      error_ = s;
      failure_ = TransportFailure::kFatal;
      return s;
    }
  }
}

Result<std::string> HttpStream::ReadAll(size_t limit) {
  std::string out;
  Bytes buf(16 * 1024);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, Read(buf));
    if (n == 0) return out;
    if (out.size() + n > limit) {
      return Unsupported(url_ + ": the response is over the " + std::to_string(limit) + "-byte limit");
    }
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

std::string HttpStream::ReadErrorBody() {
  std::string out;
  Bytes buf(16 * 1024);
  while (out.size() < kMaxErrorBody) {
    Result<size_t> n = Read(buf);
    if (!n.ok() || *n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), std::min(*n, kMaxErrorBody - out.size()));
  }
  return out;
}

}  // namespace ocitree::registry
