#include "registry/authenticator.h"

#include "base/log.h"
#include "oci/limits.h"
#include "base/base64.h"
#include "registry/registry_endpoint.h"
#include "registry/registry_errors.h"
#include "registry/url.h"

namespace ocitree::registry {

namespace {

// Bearer beats Basic: a registry offering both wants tokens.
std::optional<Challenge> Choose(const std::vector<std::string>& headers) {
  std::optional<Challenge> basic;
  for (Challenge& c : ParseChallenges(headers)) {
    if (c.scheme == "bearer" && !c.Param("realm").empty()) return std::move(c);
    if (c.scheme == "basic" && !basic) basic = std::move(c);
  }
  return basic;
}

std::string NoCredentialsHint(std::string_view registry) {
  return "no credentials for " + std::string(registry) +
         " (give --creds USER:PASSWORD or --authfile FILE, or log in with `podman login`)";
}

}  // namespace

Authenticator::Authenticator(std::string registry, std::string repository, std::optional<Credentials> creds,
                             TokenCache* cache, bool allow_http_realm, TokenFetch fetch)
    : registry_(std::move(registry)),
      creds_(std::move(creds)),
      cache_(cache),
      allow_http_realm_(allow_http_realm),
      fetch_(std::move(fetch)) {
  AddScopeLocked(PullScope(repository));
}

void Authenticator::AddScope(std::string_view scope) {
  std::lock_guard<std::mutex> lock(mu_);
  AddScopeLocked(scope);
}

void Authenticator::AddScopeLocked(std::string_view scope) {
  // "type:name:actions"; the name may hold a ":" (a registry port in some
  // token servers' resource names), the actions never do.
  size_t colon = scope.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    if (!scope.empty()) scopes_[std::string(scope)];  // not a resource scope: kept as is
    return;
  }
  std::set<std::string>& actions = scopes_[std::string(scope.substr(0, colon))];
  std::string_view list = scope.substr(colon + 1);
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view one = list.substr(0, comma);
    if (!one.empty()) actions.insert(std::string(one));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

std::string Authenticator::CredentialsNote() const {
  return creds_ ? "credentials from " + creds_->source : "no credentials";
}

std::string Authenticator::RefusalNote() const {
  return creds_ ? "the registry refused the " + CredentialsNote() : NoCredentialsHint(registry_);
}

std::string Authenticator::ScopeList() const {
  std::string out;
  for (const auto& [resource, actions] : scopes_) {
    std::string one = resource;
    if (!actions.empty()) {
      char sep = ':';
      for (const std::string& a : actions) {
        one += sep + a;
        sep = ',';
      }
    }
    out += (out.empty() ? "" : " ") + one;
  }
  return out;
}

std::string Authenticator::CacheKey(const Challenge& bearer, const std::string& scopes) const {
  std::string user = creds_ ? creds_->username + (creds_->identity_token.empty() ? "" : "+identity") : "";
  return TokenCache::Key(bearer.Param("realm"), bearer.Param("service"), scopes, user);
}

void Authenticator::Learn(const std::vector<std::string>& www_authenticate) {
  std::optional<Challenge> c = Choose(www_authenticate);
  std::lock_guard<std::mutex> lock(mu_);
  if (c) challenge_ = std::move(c);
}

Result<std::string> Authenticator::Authorization() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!challenge_) return std::string();
  if (challenge_->scheme == "basic") {
    if (!creds_ || creds_->username.empty()) return std::string();
    return "Basic " + Base64Encode(creds_->username + ":" + creds_->password);
  }
  std::string scopes = ScopeList();
  std::string key = CacheKey(*challenge_, scopes);
  if (std::optional<std::string> token = cache_->Get(key)) return "Bearer " + *token;
  OCITREE_ASSIGN_OR_RETURN(std::string token, FetchToken(*challenge_, scopes));
  return "Bearer " + token;
}

Result<std::string> Authenticator::FetchToken(const Challenge& bearer, const std::string& scopes) {
  std::string realm = bearer.Param("realm");
  std::string service = bearer.Param("service");
  std::string scheme = UrlScheme(realm);
  if (scheme != "https" && !(scheme == "http" && allow_http_realm_)) {
    return Status::Error(ErrorCode::kIo, registry_ + ": token realm '" + realm + "' refused: " +
                                             (scheme == "http" ? "plain http needs --tls-verify=false"
                                                               : "not an http(s) URL"));
  }
  HttpRequest request;
  std::string authorization;
  if (creds_ && !creds_->identity_token.empty()) {
    // An identity token is an OAuth2 refresh token: exchanged by POST, as
    // containers/image does.
    request.method = "POST";
    request.url = realm;
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    request.body = "grant_type=refresh_token&refresh_token=" + QueryEscape(creds_->identity_token) +
                   "&service=" + QueryEscape(service) + "&scope=" + QueryEscape(scopes) + "&client_id=ocitree";
  } else {
    request.url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    if (!service.empty()) request.url += "service=" + QueryEscape(service) + "&";
    size_t start = 0;
    for (;;) {
      size_t space = scopes.find(' ', start);
      request.url += "scope=" + QueryEscape(scopes.substr(start, space - start));
      if (space == std::string::npos) break;
      request.url += "&";
      start = space + 1;
    }
    if (creds_ && !creds_->username.empty()) {
      authorization = "Basic " + Base64Encode(creds_->username + ":" + creds_->password);
    }
  }
  Result<std::string> body = fetch_(request, authorization);
  if (!body.ok()) {
    std::string why = creds_ ? "refused the " + CredentialsNote() : "refused an anonymous token; " + NoCredentialsHint(registry_);
    return Status::Error(body.status().code(), registry_ + ": the token server " + realm + " " + why + ": " +
                                                   body.status().message());
  }
  Result<TokenResponse> token = ParseTokenResponse(*body);
  if (!token.ok()) return token.status().WithContext(registry_ + ": token server " + realm);
  cache_->Put(CacheKey(bearer, scopes), token->token, token->expires_in);
  LogDebug(registry_ + ": got a token for " + scopes + " from " + realm);
  return token->token;
}

Status Authenticator::OnUnauthorized(const std::vector<std::string>& www_authenticate, const std::string& sent,
                                     std::string_view body) {
  std::optional<Challenge> c = Choose(www_authenticate);
  std::string failure = DescribeHttpFailure(401, body);
  if (!c) {
    return Status::Error(ErrorCode::kIo, failure + ", and no Bearer or Basic challenge to answer");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (c->scheme == "basic") {
    if (!creds_ || creds_->username.empty()) {
      return Status::Error(ErrorCode::kIo, failure + ": " +
                                               (creds_ ? "an identity token cannot answer a Basic challenge"
                                                       : NoCredentialsHint(registry_)));
    }
    if (sent.starts_with("Basic ")) {
      return Status::Error(ErrorCode::kIo, failure + ": the registry refused the " + CredentialsNote());
    }
    challenge_ = std::move(c);
    return {};
  }
  if (sent.starts_with("Bearer ") && challenge_ && challenge_->scheme == "bearer") {
    cache_->Invalidate(CacheKey(*challenge_, ScopeList()), sent.substr(7));
  }
  // insufficient_scope names what the request needs: ask for that too.
  std::string wanted = c->Param("scope");
  size_t start = 0;
  while (start < wanted.size()) {
    size_t space = wanted.find(' ', start);
    std::string one = wanted.substr(start, space - start);
    if (!one.empty()) AddScopeLocked(one);
    if (space == std::string::npos) break;
    start = space + 1;
  }
  challenge_ = std::move(c);
  return {};
}

}  // namespace ocitree::registry
