#include "registry/registry_client.h"

#include <algorithm>
#include <ctime>

#include "base/log.h"
#include "oci/limits.h"
#include "registry/auth_file.h"
#include "registry/registry_endpoint.h"
#include "registry/registry_errors.h"
#include "registry/tls_config.h"
#include "registry/url.h"

namespace ocitree::registry {

namespace {

// Go's net/http and containers/image stop at 10 as well.
constexpr int kMaxRedirects = 10;
// A request answered 401 is sent again after each new challenge or token:
// no auth -> token, refused token -> fresh token, insufficient_scope -> wider
// token. More than that is a registry that will never say yes.
constexpr int kMaxAuthRounds = 3;

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string Seconds(Millis m) {
  if (m < Millis(1000)) return std::to_string(m.count()) + " ms";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", m.count() / 1000.0);
  return text;
}

}  // namespace

RegistryClient::RegistryClient(const RegistryOptions& options, std::string registry, std::string repository,
                               HttpSettings settings, std::optional<Credentials> creds,
                               std::shared_ptr<RegistrySession> session)
    : options_(options),
      registry_(std::move(registry)),
      repository_(std::move(repository)),
      settings_(std::move(settings)),
      session_(std::move(session)),
      auth_(registry_, repository_, std::move(creds), &session_->tokens, !options.tls_verify,
            [this](const HttpRequest& request, const std::string& authorization) {
              return FetchToken(request, authorization);
            }) {}

void RegistryClient::Sleep(Millis wait, const std::string& what, const std::string& reason, int tries) {
  if (cancelled_) return;  // Send ends the exchange next
  LogWarning(what + ": " + reason + "; trying again in " + Seconds(wait) + " (try " + std::to_string(tries + 1) +
             " of " + std::to_string(std::max(1, options_.max_tries)) + ")");
  std::unique_lock<std::mutex> lock(sleep_mu_);
  sleep_cv_.wait_for(lock, wait, [this] { return cancelled_.load(); });
}

void RegistryClient::Cancel() {
  {
    std::lock_guard<std::mutex> lock(sleep_mu_);
    cancelled_ = true;
  }
  sleep_cv_.notify_all();
}

Result<std::unique_ptr<HttpStream>> RegistryClient::SendFollowingRedirects(const Exchange& ex,
                                                                           const std::string& authorization,
                                                                           const std::string& auth_origin,
                                                                           TransportFailure* failure) {
  HttpRequest request = ex.request;
  for (int redirects = 0;; redirects++) {
    HttpRequest r = request;
    if (!authorization.empty()) {
      // Bound to one origin: a redirect to blob storage elsewhere must not
      // learn the registry's credentials.
      Result<std::string> origin = UrlOrigin(r.url);
      if (origin.ok() && *origin == auth_origin) r.headers.push_back("Authorization: " + authorization);
    }
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s,
                             HttpStream::Open(r, settings_, &session_->curl, &bytes_, failure, &cancelled_));
    long status = s->status();
    std::string location = s->Header("location");
    if (!IsRedirect(status) || location.empty()) return s;
    *failure = TransportFailure::kFatal;
    if (redirects >= kMaxRedirects) {
      return Status::Error(ErrorCode::kIo, "too many redirects (more than " + std::to_string(kMaxRedirects) +
                                               ") starting at " + ex.request.url);
    }
    s->ReadErrorBody();  // lets the connection be reused
    Result<std::string> next = ResolveUrl(r.url, location);
    if (!next.ok()) return next.status().WithContext(r.url);
    if (settings_.tls.verify && UrlScheme(*next) != "https") {
      return Status::Error(ErrorCode::kIo, r.url + " redirects to " + *next +
                                               ": plain http is refused while TLS is verified (--tls-verify=false allows it)");
    }
    LogDebug("redirect " + r.url + " -> " + *next);
    if (status == 303 || ((status == 301 || status == 302) && request.method == "POST")) {
      request.method = "GET";
      request.body.clear();
    }
    request.url = *next;
  }
}

Result<std::unique_ptr<HttpStream>> RegistryClient::Send(const Exchange& ex, RetryBudget& budget, int& tries) {
  int auth_rounds = 0;
  for (;;) {
    if (cancelled_) return Status::Error(ErrorCode::kCancelled, ex.what + ": cancelled");
    tries++;
    std::string authorization = ex.authorization;
    std::string auth_origin;
    if (ex.registry_auth) {
      OCITREE_ASSIGN_OR_RETURN(authorization, auth_.Authorization());
      auth_origin = origin_;
    } else if (!authorization.empty()) {
      OCITREE_ASSIGN_OR_RETURN(auth_origin, UrlOrigin(ex.request.url));
    }
    TransportFailure failure = TransportFailure::kNone;
    Result<std::unique_ptr<HttpStream>> sent = SendFollowingRedirects(ex, authorization, auth_origin, &failure);
    Millis wait{0};
    std::string why;
    if (!sent.ok()) {
      if (failure == TransportFailure::kRetryable && ex.retry_connection) {
        if (budget.Next(tries, std::nullopt, &wait, &why)) {
          Sleep(wait, ex.what, sent.status().message(), tries);
          continue;
        }
        return sent.status().WithContext(ex.what + " (" + why + ")");
      }
      return sent.status().WithContext(ex.what);
    }
    std::unique_ptr<HttpStream> s = std::move(*sent);
    long status = s->status();
    Result<std::string> from = UrlOrigin(s->url());
    bool from_registry = from.ok() && *from == origin_;
    if (status == 401 && ex.registry_auth && from_registry) {
      std::string body = s->ReadErrorBody();
      if (auth_rounds >= kMaxAuthRounds) {
        Status refused = HttpStatusError(401, body, ex.what);
        return Status::Error(refused.code(), refused.message() + ": " + auth_.RefusalNote());
      }
      auth_rounds++;
      tries--;  // answering a challenge is not a failed try
      OCITREE_RETURN_IF_ERROR(auth_.OnUnauthorized(s->Headers("www-authenticate"), authorization, body)
                                  .WithContext(ex.what));
      continue;
    }
    if (IsRetryableStatus(status)) {
      std::string body = s->ReadErrorBody();
      std::optional<Millis> retry_after = ParseRetryAfter(s->Header("retry-after"), std::time(nullptr));
      if (budget.Next(tries, retry_after, &wait, &why)) {
        Sleep(wait, ex.what, DescribeHttpFailure(status, body), tries);
        continue;
      }
      Status error = HttpStatusError(status, body, ex.what);
      return Status::Error(error.code(), error.message() + " (" + why + ")");
    }
    if (ex.any_status || (status >= 200 && status < 300)) return s;
    std::string body = s->ReadErrorBody();
    return HttpStatusError(status, body, ex.what);
  }
}

Status RegistryClient::EnsureScheme() {
  std::lock_guard<std::mutex> lock(scheme_mu_);
  if (!base_url_.empty()) return {};
  // A ping of /v2/ finds the scheme (as containers/image: https, and with
  // verification off plain http when https fails) and brings the challenge,
  // so that the first real request already carries the credentials: a
  // registry may answer an anonymous request 404 or 403 rather than 401.
  // Without credentials, once only one scheme is left, a ping would just
  // add a round trip: the first request's own 401 brings the challenge.
  const bool learn = auth_.has_credentials();
  std::vector<std::string> schemes = {"https"};
  if (!options_.tls_verify) schemes.push_back("http");
  Status last;
  for (const std::string& scheme : schemes) {
    const bool last_scheme = scheme == schemes.back();
    if (last_scheme && !learn) return UseScheme(scheme);
    std::string base = BaseUrl(scheme, registry_);
    OCITREE_ASSIGN_OR_RETURN(origin_, UrlOrigin(base));  // so Send can tell the registry's answers
    Exchange ex;
    ex.request.url = base + "/v2/";
    ex.registry_auth = false;
    ex.any_status = true;
    ex.retry_connection = last_scheme;
    ex.what = "registry " + registry_ + " (" + base + ")";
    RetryBudget budget(options_);
    int tries = 0;
    Result<std::unique_ptr<HttpStream>> ping = Send(ex, budget, tries);
    if (!ping.ok()) {
      last = ping.status();
      if (!last_scheme) LogDebug(last.message() + "; trying plain http");
      continue;
    }
    if ((*ping)->status() == 401) auth_.Learn((*ping)->Headers("www-authenticate"));
    (*ping)->ReadErrorBody();
    base_url_ = base;
    return {};
  }
  origin_.clear();
  return last;
}

Status RegistryClient::UseScheme(const std::string& scheme) {
  std::string base = BaseUrl(scheme, registry_);
  OCITREE_ASSIGN_OR_RETURN(origin_, UrlOrigin(base));
  base_url_ = base;
  return {};
}

Result<std::string> RegistryClient::Url(const std::string& path_or_url) {
  if (path_or_url.starts_with("https://") || path_or_url.starts_with("http://")) return path_or_url;
  return base_url_ + path_or_url;
}

Result<std::unique_ptr<HttpStream>> RegistryClient::Get(const std::string& path,
                                                        const std::vector<std::string>& headers,
                                                        const std::string& what) {
  OCITREE_RETURN_IF_ERROR(EnsureScheme());
  Exchange ex;
  OCITREE_ASSIGN_OR_RETURN(ex.request.url, Url(path));
  ex.request.headers = headers;
  ex.what = what;
  RetryBudget budget(options_);
  int tries = 0;
  return Send(ex, budget, tries);
}

Result<std::unique_ptr<HttpStream>> RegistryClient::Request(const std::string& method,
                                                            const std::string& path_or_url,
                                                            const std::vector<std::string>& headers,
                                                            ByteView payload, const std::string& what) {
  OCITREE_RETURN_IF_ERROR(EnsureScheme());
  Exchange ex;
  ex.request.method = method;
  OCITREE_ASSIGN_OR_RETURN(ex.request.url, Url(path_or_url));
  ex.request.headers = headers;
  ex.request.payload = payload;
  ex.any_status = true;
  ex.what = what;
  RetryBudget budget(options_);
  int tries = 0;
  return Send(ex, budget, tries);
}

Result<std::string> RegistryClient::ResolveLocation(const std::string& base, const std::string& location) {
  OCITREE_RETURN_IF_ERROR(EnsureScheme());
  OCITREE_ASSIGN_OR_RETURN(std::string base_url, Url(base));
  return ResolveUrl(base_url, location);
}

Result<Document> RegistryClient::GetDocument(const std::string& path, const std::vector<std::string>& headers,
                                             size_t limit, const std::string& what) {
  OCITREE_RETURN_IF_ERROR(EnsureScheme());
  Exchange ex;
  OCITREE_ASSIGN_OR_RETURN(ex.request.url, Url(path));
  ex.request.headers = headers;
  ex.what = what;
  RetryBudget budget(options_);
  int tries = 0;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s, Send(ex, budget, tries));
    std::string over = what + ": over the " + std::to_string(limit) + "-byte limit for documents";
    // Refuse early when the size is announced; the limit holds while
    // receiving either way.
    if (std::optional<uint64_t> length = s->ContentLength(); length && *length > limit) {
      return Unsupported(over + " (" + std::to_string(*length) + " bytes announced)");
    }
    Result<std::string> body = s->ReadAll(limit);
    if (body.ok()) {
      return Document{std::move(*body), s->MediaType(), s->Header("docker-content-digest"), s->Header("link"),
                      s->url()};
    }
    if (body.status().code() == ErrorCode::kUnsupported) return Unsupported(over);
    Millis wait{0};
    std::string why;
    if (s->failure() != TransportFailure::kRetryable) return body.status().WithContext(what);
    if (!budget.Next(tries, std::nullopt, &wait, &why)) return body.status().WithContext(what + " (" + why + ")");
    Sleep(wait, what, body.status().message(), tries);
  }
}

Result<std::string> RegistryClient::FetchToken(const HttpRequest& request, const std::string& authorization) {
  Exchange ex;
  ex.request = request;
  ex.registry_auth = false;
  ex.authorization = authorization;
  ex.what = "token request";
  RetryBudget budget(options_);
  int tries = 0;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s, Send(ex, budget, tries));
    Result<std::string> body = s->ReadAll(oci::kMaxJsonSize);
    if (body.ok()) return body;
    Millis wait{0};
    std::string why;
    if (s->failure() != TransportFailure::kRetryable || !budget.Next(tries, std::nullopt, &wait, &why)) {
      return body.status().WithContext(ex.what);
    }
    Sleep(wait, ex.what, body.status().message(), tries);
  }
}

Result<std::unique_ptr<RegistryClient>> OpenRegistryClient(const oci::ImageReference& ref,
                                                           const RegistryOptions& options,
                                                           std::shared_ptr<RegistrySession> session) {
  if (ref.transport != oci::Transport::kDocker) return InvalidArgument(ref.ToString() + ": not a docker:// reference");
  if (!session) session = std::make_shared<RegistrySession>();
  Result<std::optional<Credentials>> creds =
      FindCredentials(options, AuthEnvironment::FromProcess(), ref.registry, ref.repository);
  if (!creds.ok()) return creds.status().WithContext(ref.ToString());
  Result<TlsSettings> tls = TlsSettingsFor(options, ref.registry);
  if (!tls.ok()) return tls.status().WithContext(ref.ToString());
  HttpSettings http;
  http.tls = std::move(*tls);
  http.connect_timeout_seconds = std::max(1, options.connect_timeout_seconds);
  http.stall_timeout_seconds = std::max(1, options.stall_timeout_seconds);
  return std::make_unique<RegistryClient>(options, ref.registry, ref.repository, std::move(http), std::move(*creds),
                                          std::move(session));
}

}  // namespace ocitree::registry
