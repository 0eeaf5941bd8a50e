#include "registry/auth_challenge.h"

#include <cctype>
#include <optional>

namespace ocitree::registry {

namespace {

bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken68Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~+/").find(c) != std::string_view::npos;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits at commas outside quoted strings; a backslash escapes the next
// character inside quotes.
std::vector<std::string_view> SplitItems(std::string_view header) {
  std::vector<std::string_view> items;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < header.size(); i++) {
    char c = header[i];
    if (quoted && c == '\\') {
      i++;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      items.push_back(Trim(header.substr(start, i - start)));
      start = i + 1;
    }
  }
  items.push_back(Trim(header.substr(start)));
  return items;
}

size_t TokenEnd(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsTokenChar(s[i])) i++;
  return i;
}

struct Param {
  std::string name;
  std::string value;
};

// `name = token` or `name = "quoted"`, the whole of `s`.
std::optional<Param> ParseParam(std::string_view s) {
  size_t end = TokenEnd(s);
  if (end == 0) return std::nullopt;
  Param p{Lower(s.substr(0, end)), ""};
  std::string_view rest = Trim(s.substr(end));
  if (rest.empty() || rest.front() != '=') return std::nullopt;
  rest = Trim(rest.substr(1));
  if (!rest.empty() && rest.front() == '"') {
    size_t i = 1;
    for (; i < rest.size() && rest[i] != '"'; i++) {
      if (rest[i] == '\\' && i + 1 < rest.size()) i++;
      p.value.push_back(rest[i]);
    }
    if (i + 1 < rest.size()) return std::nullopt;  // text after the closing quote
    return p;
  }
  if (TokenEnd(rest) != rest.size()) return std::nullopt;
  p.value = std::string(rest);
  return p;
}

bool IsToken68(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsToken68Char(s[i])) i++;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') i++;
  return i == s.size();
}

}  // namespace

std::string Challenge::Param(std::string_view name) const {
  auto it = params.find(Lower(name));
  return it == params.end() ? "" : it->second;
}

std::vector<Challenge> ParseChallenges(std::string_view header) {
  std::vector<Challenge> out;
  bool in_challenge = false;  // may the next param join out.back()?
  for (std::string_view item : SplitItems(header)) {
    if (item.empty()) continue;
    size_t end = TokenEnd(item);
    std::string_view after = item.substr(end);
    bool scheme_first = end > 0 && (after.empty() || IsSpace(after.front())) &&
                        (Trim(after).empty() || Trim(after).front() != '=');
    if (!scheme_first) {
      std::optional<struct Param> p = ParseParam(item);
      if (p && in_challenge) out.back().params.emplace(std::move(p->name), std::move(p->value));
      continue;  // malformed, or a parameter with no challenge to go with
    }
    Challenge c;
    c.scheme = Lower(item.substr(0, end));
    std::string_view rest = Trim(after);
    if (!rest.empty()) {
      if (std::optional<struct Param> p = ParseParam(rest)) {
        c.params.emplace(std::move(p->name), std::move(p->value));
      } else if (IsToken68(rest)) {
        c.token68 = std::string(rest);
      } else {
        in_challenge = false;
        continue;
      }
    }
    out.push_back(std::move(c));
    in_challenge = out.back().token68.empty();
  }
  return out;
}

std::vector<Challenge> ParseChallenges(const std::vector<std::string>& headers) {
  std::vector<Challenge> out;
  for (const std::string& h : headers) {
    std::vector<Challenge> some = ParseChallenges(std::string_view(h));
    out.insert(out.end(), std::make_move_iterator(some.begin()), std::make_move_iterator(some.end()));
  }
  return out;
}

}  // namespace ocitree::registry
