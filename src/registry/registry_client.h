// Requests to one repository on one registry, the way the distribution spec
// wants them made: https (with TLS verification off, plain http when a ping
// of /v2/ over https fails), the Authorization from the Authenticator,
// redirects followed here (at most 10; credentials only ever go to the
// origin they belong to), and 429/5xx answers and lost connections tried
// again within a RetryBudget. Thread safe: blobs are fetched in parallel.
#ifndef OCITREE_REGISTRY_REGISTRY_CLIENT_H_
#define OCITREE_REGISTRY_REGISTRY_CLIENT_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "oci/image_reference.h"
#include "ocitree/registry_options.h"
#include "ocitree/status.h"
#include "registry/auth_file.h"
#include "registry/authenticator.h"
#include "registry/http_client.h"
#include "registry/retry_policy.h"
#include "registry/token_cache.h"

namespace ocitree::registry {

// What the sources one opener makes share: curl's caches and the tokens.
struct RegistrySession {
  CurlShare curl;
  TokenCache tokens;
};

// A small document read whole, with the headers that matter about it.
struct Document {
  std::string body;
  std::string media_type;             // Content-Type without parameters
  std::string docker_content_digest;  // "" when absent
  std::string link;                   // the Link header (tag list pages)
  std::string url;                    // where it finally came from
};

class RegistryClient {
 public:
  RegistryClient(const RegistryOptions& options, std::string registry, std::string repository,
                 HttpSettings settings, std::optional<Credentials> creds, std::shared_ptr<RegistrySession> session);

  // GET `path` (on the registry, "/v2/...") or an absolute URL the registry
  // gave (a Link); returns the stream of the 2xx answer. Other answers are
  // errors naming `what` with the HTTP status and the registry's JSON
  // errors (404: kNotFound). Nothing is retried once the stream is returned.
  Result<std::unique_ptr<HttpStream>> Get(const std::string& path, const std::vector<std::string>& headers,
                                          const std::string& what);

  // The same for a document read whole, at most `limit` bytes (kUnsupported
  // past it, found while receiving); a body that breaks off is fetched again.
  Result<Document> GetDocument(const std::string& path, const std::vector<std::string>& headers, size_t limit,
                               const std::string& what);

  // Any request (HEAD, POST, PUT, PATCH, DELETE; GET too) to `path_or_url`
  // as for Get: auth challenges are answered and 429/5xx answers and lost
  // connections tried again (the same bytes sent again) within the retry
  // budget; any other answer is returned whatever its status, for the
  // caller to judge. `payload` (POST, PUT, PATCH) must stay valid until the
  // returned stream is gone; give its Content-Type in `headers`.
  Result<std::unique_ptr<HttpStream>> Request(const std::string& method, const std::string& path_or_url,
                                              const std::vector<std::string>& headers, ByteView payload,
                                              const std::string& what);

  // Asks for `scope` too in the tokens from now on (push: "repository:NAME:pull,push";
  // a cross-repository mount: "repository:FROM:pull").
  void AddScope(std::string_view scope) { auth_.AddScope(scope); }

  // The absolute URL of a registry path ("/v2/..."), or an absolute or
  // relative URL the registry gave (a Location) resolved against `base`
  // (the URL of the request it answered). Settles the scheme first if
  // needed.
  Result<std::string> ResolveLocation(const std::string& base, const std::string& location);

  // Ends every request of this client, now and later, with kCancelled:
  // one waiting for an answer or a body within a second, one waiting to be
  // tried again at once. For the owner that is going away while requests
  // made on its behalf (an early blob request) may still wait on a stalled
  // registry.
  void Cancel();

  const std::string& registry() const { return registry_; }
  const std::string& repository() const { return repository_; }
  // Body bytes received by every request of this client (tokens included).
  uint64_t bytes_received() const { return bytes_.load(); }

 private:
  struct Exchange {
    HttpRequest request;            // request.url absolute
    bool registry_auth = true;      // carry (and answer 401 with) the Authenticator's header
    std::string authorization;      // otherwise this one, for the request URL's origin only
    bool any_status = false;        // return the answer whatever its status (the ping)
    bool retry_connection = true;   // false: a lost connection fails at once (https probe)
    std::string what;
  };
  Result<std::unique_ptr<HttpStream>> Send(const Exchange& ex, RetryBudget& budget, int& tries);
  // Follows redirects from ex.request.url; `*failure` as HttpStream::Open's.
  Result<std::unique_ptr<HttpStream>> SendFollowingRedirects(const Exchange& ex, const std::string& authorization,
                                                             const std::string& auth_origin,
                                                             TransportFailure* failure);
  Status EnsureScheme();
  Status UseScheme(const std::string& scheme);  // with scheme_mu_ held
  Result<std::string> Url(const std::string& path_or_url);
  Result<std::string> FetchToken(const HttpRequest& request, const std::string& authorization);
  void Sleep(Millis wait, const std::string& what, const std::string& reason, int tries);

  RegistryOptions options_;
  std::string registry_;
  std::string repository_;
  HttpSettings settings_;
  std::shared_ptr<RegistrySession> session_;
  Authenticator auth_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<bool> cancelled_{false};
  std::mutex sleep_mu_;  // Sleep waits on sleep_cv_ for Cancel
  std::condition_variable sleep_cv_;

  std::mutex scheme_mu_;
  std::string base_url_;  // "https://host:port", once EnsureScheme chose it
  std::string origin_;    // its UrlOrigin
};

// A client for the docker:// reference `ref`, with the credentials and TLS
// settings the options and the environment give for its registry, and the
// options' timeouts. Errors name the reference.
Result<std::unique_ptr<RegistryClient>> OpenRegistryClient(const oci::ImageReference& ref,
                                                           const RegistryOptions& options,
                                                           std::shared_ptr<RegistrySession> session);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_REGISTRY_CLIENT_H_
