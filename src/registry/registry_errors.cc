#include "registry/registry_errors.h"

#include <nlohmann/json.hpp>

namespace ocitree::registry {

namespace {

std::string_view ReasonPhrase(long status) {
  switch (status) {
    case 400: return "bad request";
    case 401: return "authentication required";
    case 403: return "access denied";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 416: return "range not satisfiable";
    case 429: return "too many requests";
    case 500: return "internal server error";
    case 502: return "bad gateway";
    case 503: return "service unavailable";
    case 504: return "gateway timeout";
    default: break;
  }
  if (status >= 500) return "server error";
  if (status >= 400) return "request refused";
  if (status >= 300) return "unexpected redirect";
  return "unexpected status";
}

// Printable ASCII only: a body is untrusted and goes to a terminal.
std::string Snippet(std::string_view body, size_t max) {
  std::string out;
  for (char c : body) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c >= 0x20 && c < 0x7f) out.push_back(c);
  }
  size_t start = out.find_first_not_of(' ');
  if (start == std::string::npos) return "";
  return out.substr(start, out.find_last_not_of(' ') - start + 1);
}

}  // namespace

std::vector<RegistryError> ParseRegistryErrors(std::string_view body) {
  std::vector<RegistryError> out;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array()) return out;
  for (const nlohmann::json& e : *errors) {
    if (!e.is_object()) continue;
    RegistryError r;
    if (auto it = e.find("code"); it != e.end() && it->is_string()) r.code = it->get<std::string>();
    if (auto it = e.find("message"); it != e.end() && it->is_string()) r.message = it->get<std::string>();
    if (auto it = e.find("detail"); it != e.end() && !it->is_null()) {
      r.detail = it->is_string() ? it->get<std::string>() : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    if (!r.code.empty() || !r.message.empty()) out.push_back(std::move(r));
  }
  return out;
}

std::string DescribeHttpFailure(long status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status) + " (" + std::string(ReasonPhrase(status)) + ")";
  std::vector<RegistryError> errors = ParseRegistryErrors(body);
  if (errors.empty()) {
    std::string text = Snippet(body, 200);
    if (!text.empty() && text.front() != '<') out += ": " + text;  // skip HTML pages
    return out;
  }
  for (size_t i = 0; i < errors.size() && i < 5; i++) {
    const RegistryError& e = errors[i];
    out += i == 0 ? ": " : "; ";
    std::string one = e.code;
    if (!e.message.empty()) one += (one.empty() ? "" : ": ") + e.message;
    // The detail repeats the request's own name or digest most of the
    // time; show it only when short.
    if (!e.detail.empty() && e.detail.size() <= 200) one += " (" + e.detail + ")";
    out += Snippet(one, 400);
  }
  return out;
}

Status HttpStatusError(long status, std::string_view body, std::string_view what) {
  std::string message = std::string(what) + ": " + DescribeHttpFailure(status, body);
  if (status == 404) return NotFound(std::move(message));
  return Status::Error(ErrorCode::kIo, std::move(message));
}

}  // namespace ocitree::registry
