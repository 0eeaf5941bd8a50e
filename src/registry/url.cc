#include "registry/url.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>

namespace ocitree::registry {

namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlString {
  char* p = nullptr;
  ~CurlString() { curl_free(p); }
};

Result<std::string> Part(CURLU* u, CURLUPart part, unsigned flags, std::string_view url) {
  CurlString s;
  CURLUcode rc = curl_url_get(u, part, &s.p, flags);
  if (rc != CURLUE_OK) {
    return InvalidArgument("malformed URL '" + std::string(url) + "': " + curl_url_strerror(rc));
  }
  return std::string(s.p);
}

Result<UrlHandle> ParseAbsolute(std::string_view url) {
  UrlHandle u(curl_url());
  if (!u) return Internal("curl_url failed");
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0);
  if (rc != CURLUE_OK) return InvalidArgument("malformed URL '" + std::string(url) + "': " + curl_url_strerror(rc));
  return u;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::string> ResolveUrl(std::string_view base, std::string_view location) {
  OCITREE_ASSIGN_OR_RETURN(UrlHandle u, ParseAbsolute(base));
  // Setting a URL on a handle that holds one resolves it as a reference.
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, std::string(location).c_str(), 0);
  if (rc != CURLUE_OK) {
    return InvalidArgument("malformed redirect location '" + std::string(location) + "': " + curl_url_strerror(rc));
  }
  OCITREE_ASSIGN_OR_RETURN(std::string scheme, Part(u.get(), CURLUPART_SCHEME, 0, location));
  scheme = Lower(scheme);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("redirect to a " + scheme + ": URL refused: '" + std::string(location) + "'");
  }
  return Part(u.get(), CURLUPART_URL, 0, location);
}

Result<std::string> UrlOrigin(std::string_view url) {
  OCITREE_ASSIGN_OR_RETURN(UrlHandle u, ParseAbsolute(url));
  OCITREE_ASSIGN_OR_RETURN(std::string scheme, Part(u.get(), CURLUPART_SCHEME, 0, url));
  OCITREE_ASSIGN_OR_RETURN(std::string host, Part(u.get(), CURLUPART_HOST, 0, url));
  OCITREE_ASSIGN_OR_RETURN(std::string port, Part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT, url));
  return Lower(scheme) + "://" + Lower(host) + ":" + port;
}

std::string UrlScheme(std::string_view url) {
  Result<UrlHandle> u = ParseAbsolute(url);
  if (!u.ok()) return "";
  Result<std::string> scheme = Part(u->get(), CURLUPART_SCHEME, 0, url);
  return scheme.ok() ? Lower(*scheme) : "";
}

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

}  // namespace ocitree::registry
