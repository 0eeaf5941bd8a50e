#include "oci/image_reference.h"

#include "oci/ref_escape.h"

namespace ocitree::oci {

namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr size_t kMaxDockerNameLength = 255;  // distribution's NameTotalLengthMax
constexpr size_t kMaxDockerTagLength = 128;
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }

Status BadReference(std::string_view text, std::string_view why) {
  return InvalidArgument("invalid image reference '" + std::string(text) + "': " + std::string(why));
}

bool ValidLayoutTag(std::string_view tag) {
  if (tag.empty()) return false;
  for (char c : tag) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-' && c != '+' && c != '@') return false;
  }
  return true;
}

// [\w][\w.-]{0,127}
bool ValidDockerTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxDockerTagLength || !IsWordChar(tag[0])) return false;
  for (char c : tag) {
    if (!IsWordChar(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// [a-z0-9]+ joined by ".", "_", "__" or any run of "-".
bool ValidPathComponent(std::string_view comp) {
  if (comp.empty() || !IsLowerAlnum(comp.front()) || !IsLowerAlnum(comp.back())) return false;
  size_t i = 0;
  while (i < comp.size()) {
    if (IsLowerAlnum(comp[i])) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < comp.size() && !IsLowerAlnum(comp[i])) i++;
    std::string_view sep = comp.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!dashes && sep != "." && sep != "_" && sep != "__") return false;
  }
  return true;
}

// A DNS label: alphanumerics with inner '-'.
bool ValidHostLabel(std::string_view label) {
  if (label.empty() || !IsAlnum(label.front()) || !IsAlnum(label.back())) return false;
  for (char c : label) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

// host[:port] where host is dotted labels or a bracketed IPv6 address.
bool ValidRegistry(std::string_view domain) {
  std::string_view port;
  bool has_port = false;
  if (!domain.empty() && domain[0] == '[') {
    size_t close = domain.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : domain.substr(1, close - 1)) {
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':') return false;
    }
    std::string_view rest = domain.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = domain.find(':');
    std::string_view host = domain.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = domain.substr(colon + 1);
      has_port = true;
    }
    size_t start = 0;
    for (;;) {
      size_t dot = host.find('.', start);
      if (!ValidHostLabel(host.substr(start, dot - start))) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (has_port && (port.empty() || port.size() > 5)) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status CheckRepositoryPath(std::string_view text, std::string_view path) {
  if (path.empty()) return BadReference(text, "missing repository name");
  size_t start = 0;
  for (;;) {
    size_t next = path.find('/', start);
    std::string_view comp = path.substr(start, next - start);
    if (!ValidPathComponent(comp)) {
      if (comp.find_first_of(kUpper) != std::string_view::npos) {
        return BadReference(text, "repository names must be lowercase");
      }
      return BadReference(text, "invalid repository component '" + std::string(comp) + "'");
    }
    if (next == std::string_view::npos) return {};
    start = next + 1;
  }
}

// NAME[:TAG][@DIGEST] -> NAME, filling ref.tag and ref.digest.
Result<std::string_view> SplitTagAndDigest(std::string_view text, std::string_view rest,
                                           ImageReference* ref) {
  std::string_view name = rest;
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    name = rest.substr(0, at);
    Result<Digest> digest = Digest::Parse(rest.substr(at + 1));
    if (!digest.ok()) return digest.status().WithContext("image reference '" + std::string(text) + "'");
    ref->digest = *digest;
  }
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = name.substr(colon + 1);
    if (!ValidDockerTag(tag)) {
      return BadReference(text, "tag '" + std::string(tag) +
                                    "' must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    }
    ref->tag = tag;
    name = name.substr(0, colon);
  }
  if (!ref->tag.empty() && ref->digest) {
    return BadReference(text, "a tag and a digest together are not supported; use one of them");
  }
  return name;
}

Result<ImageReference> ParseDocker(std::string_view text, std::string_view rest) {
  ImageReference ref;
  ref.transport = Transport::kDocker;
  if (rest.empty()) return BadReference(text, "missing image name after docker://");
  OCITREE_ASSIGN_OR_RETURN(std::string_view name, SplitTagAndDigest(text, rest, &ref));
  if (name.empty()) return BadReference(text, "missing image name");

  // distribution/reference's splitDockerDomain.
  size_t first = name.find('/');
  std::string_view head = name.substr(0, first);
  bool head_is_host = first != std::string_view::npos &&
                      (head.find_first_of(".:") != std::string_view::npos || head == "localhost" ||
                       head.find_first_of(kUpper) != std::string_view::npos);
  std::string_view path = name;
  ref.registry = kDockerHub;
  if (head_is_host) {
    if (!ValidRegistry(head)) return BadReference(text, "invalid registry host '" + std::string(head) + "'");
    ref.registry = head;
    path = name.substr(first + 1);
  }
  if (ref.registry == "index.docker.io") ref.registry = kDockerHub;
  OCITREE_RETURN_IF_ERROR(CheckRepositoryPath(text, path));
  ref.repository = path;
  if (ref.registry == kDockerHub && path.find('/') == std::string_view::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxDockerNameLength) {
    return BadReference(text, "the name is longer than 255 characters");
  }
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

Result<ImageReference> ParseLayout(std::string_view text, Transport transport, std::string_view rest) {
  ImageReference ref;
  ref.transport = transport;
  std::string_view path = rest;
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    path = rest.substr(0, colon);
    std::string_view tag = rest.substr(colon + 1);
    if (tag.empty()) return BadReference(text, "empty tag after ':'");
    if (!ValidLayoutTag(tag)) {
      return BadReference(text, "tag '" + std::string(tag) + "' may only use [A-Za-z0-9._+@-]");
    }
    ref.tag = tag;
  }
  if (path.empty()) {
    return BadReference(text, transport == Transport::kOciArchive ? "missing archive file name"
                                                                  : "missing directory name");
  }
  ref.path = path;
  return ref;
}

}  // namespace

std::string_view TransportName(Transport transport) {
  switch (transport) {
    case Transport::kOciLayout: return "oci";
    case Transport::kOciArchive: return "oci-archive";
    case Transport::kDocker: return "docker";
  }
  return "unknown";
}

Result<ImageReference> ImageReference::Parse(std::string_view text) {
  if (text.starts_with("docker://")) return ParseDocker(text, text.substr(9));
  if (text.starts_with("oci:")) return ParseLayout(text, Transport::kOciLayout, text.substr(4));
  if (text.starts_with("oci-archive:")) {
    return ParseLayout(text, Transport::kOciArchive, text.substr(12));
  }
  if (text.starts_with("docker:")) return BadReference(text, "registry references start with docker://");
  return BadReference(text, "expected oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker://NAME[:TAG]");
}

std::string ImageReference::ToString() const {
  if (transport != Transport::kDocker) {
    std::string out(TransportName(transport));
    out += ':';
    out += path;
    if (!tag.empty()) out += ':' + tag;
    return out;
  }
  std::string out = "docker://" + registry + "/" + repository;
  if (digest) {
    out += '@' + digest->ToString();
  } else {
    out += ':' + tag;
  }
  return out;
}

Result<std::string> ImageReference::EscapedBranch() const {
  std::string component = EscapeRefComponent(ToString());
  if (component.size() > kMaxRefComponent) {
    return InvalidArgument("image reference '" + ToString() +
                           "' is too long to name a branch; choose a branch name");
  }
  return std::string(kImageBranchPrefix) + component;
}

Result<ImageReference> ImageReference::FromBranch(std::string_view branch) {
  if (!branch.starts_with(kImageBranchPrefix)) {
    return InvalidArgument("branch '" + std::string(branch) + "' does not start with " +
                           std::string(kImageBranchPrefix));
  }
  OCITREE_ASSIGN_OR_RETURN(std::string text,
                           UnescapeRefComponent(branch.substr(kImageBranchPrefix.size())));
  return Parse(text);
}

}  // namespace ocitree::oci
