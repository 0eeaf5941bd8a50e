// The Authorization header for a registry's requests, learned from its 401
// answers (FORMATS.md 6.3): nothing while it asks for nothing; Basic with
// the credentials; Bearer with a token from the challenge's realm for the
// repository's pull scope (plus any scope an insufficient_scope answer
// names), fetched with the credentials if there are any and cached per
// realm, service, scope and user.
#ifndef OCITREE_REGISTRY_AUTHENTICATOR_H_
#define OCITREE_REGISTRY_AUTHENTICATOR_H_

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ocitree/status.h"
#include "registry/auth_challenge.h"
#include "registry/auth_file.h"
#include "registry/http_client.h"
#include "registry/token_cache.h"

namespace ocitree::registry {

class Authenticator {
 public:
  // Sends a token request: `authorization` ("" for none) may go only to the
  // request URL's own origin. Returns the body of a 2xx answer, or the
  // error (with the HTTP status) of any other.
  using TokenFetch = std::function<Result<std::string>(const HttpRequest& request, const std::string& authorization)>;

  // `allow_http_realm`: with TLS verification on, a realm on plain http is
  // refused (credentials would travel in clear).
  Authenticator(std::string registry, std::string repository, std::optional<Credentials> creds,
                TokenCache* cache, bool allow_http_realm, TokenFetch fetch);

  // Asks for `scope` ("repository:NAME:pull,push") too from the next
  // token on. Actions on a resource already in the list are merged into
  // one scope ("repository:a:pull" + "repository:a:push" =
  // "repository:a:pull,push"), as token servers expect.
  void AddScope(std::string_view scope);

  // Takes the challenges of an answer that did not refuse anything (the
  // ping of /v2/), so the first real request already carries credentials.
  void Learn(const std::vector<std::string>& www_authenticate);

  // The value of the Authorization header for the next request to the
  // registry, "" for none; may fetch a token (one thread at a time).
  Result<std::string> Authorization();

  // The registry answered 401 to a request that carried `sent`: learns the
  // new challenge and drops a refused token. Fails when trying again cannot
  // help (no credentials for Basic, Basic credentials refused, no usable
  // challenge); `body` is the answer's, for the message.
  Status OnUnauthorized(const std::vector<std::string>& www_authenticate, const std::string& sent,
                        std::string_view body);

  // Whether any were given (a user and password, or an identity token).
  bool has_credentials() const { return creds_.has_value(); }

  // For messages: "credentials from /root/.docker/config.json" or "no credentials".
  std::string CredentialsNote() const;
  // Why a registry that keeps answering 401 does: "the registry refused the
  // credentials from --creds", or that there are none and how to give some.
  std::string RefusalNote() const;

 private:
  Result<std::string> FetchToken(const Challenge& bearer, const std::string& scopes);
  std::string CacheKey(const Challenge& bearer, const std::string& scopes) const;
  std::string ScopeList() const;  // space separated, sorted
  void AddScopeLocked(std::string_view scope);

  std::string registry_;
  std::optional<Credentials> creds_;
  TokenCache* cache_;
  bool allow_http_realm_;
  TokenFetch fetch_;

  mutable std::mutex mu_;  // held while a token is fetched, too
  std::optional<Challenge> challenge_;
  // "repository:NAME" -> its actions ("pull", "push"), sorted.
  std::map<std::string, std::set<std::string>> scopes_;
};

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_AUTHENTICATOR_H_
