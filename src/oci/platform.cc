#include "oci/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <vector>

#include "oci/json_doc.h"

namespace ocitree::oci {

namespace {

struct ArchAlias {
  std::string_view machine;
  std::string_view architecture;
  std::string_view variant;
};

// uname -m, RPM and Debian spellings (FORMATS.md 9.3).
constexpr ArchAlias kAliases[] = {
    {"x86_64", "amd64", ""},      {"x86-64", "amd64", ""},     {"aarch64", "arm64", "v8"},
    {"i386", "386", ""},          {"i486", "386", ""},         {"i586", "386", ""},
    {"i686", "386", ""},          {"x86", "386", ""},          {"armv8l", "arm", "v8"},
    {"armv7l", "arm", "v7"},      {"armv7hl", "arm", "v7"},    {"armv7", "arm", "v7"},
    {"armhfp", "arm", "v7"},      {"armhf", "arm", "v7"},      {"armv6l", "arm", "v6"},
    {"armv6hl", "arm", "v6"},     {"armv5tel", "arm", "v5"},   {"armv5tejl", "arm", "v5"},
    {"armv5l", "arm", "v5"},      {"ppc64el", "ppc64le", ""},  {"mipsel", "mipsle", ""},
    {"mips64el", "mips64le", ""}, {"loongarch64", "loong64", ""},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ValidPart(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Platform::ToString() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

GoArch MachineToGoArch(std::string_view machine) {
  // The kernel's name for 64-bit ARM on some systems; GOARCH has no variant
  // of its own here, but every arm64 machine is v8.
  if (machine == "arm64") return {"arm64", "v8"};
  for (const ArchAlias& a : kAliases) {
    if (a.machine == machine) return {std::string(a.architecture), std::string(a.variant)};
  }
  return {std::string(machine), ""};
}

std::string GoArchToOstreeArch(std::string_view architecture, std::string_view variant) {
  if (architecture == "amd64") return "x86_64";
  if (architecture == "arm64") return "aarch64";
  if (architecture == "386") return "i386";
  if (architecture == "mipsle") return "mipsel";
  if (architecture == "mips64le") return "mips64el";
  if (architecture == "loong64") return "loongarch64";
  if (architecture == "arm") {
    if (variant == "v8") return "armv8l";
    if (variant == "v7") return "armv7l";
    if (variant == "v6") return "armv6l";
    if (variant == "v5") return "armv5tel";
    return "arm";
  }
  return std::string(architecture);
}

GoArch OstreeArchToGoArch(std::string_view ostree_arch) {
  // ostree.architecture uses the uname/RPM spellings MachineToGoArch knows;
  // "arm" without a version stays plain arm.
  return MachineToGoArch(ostree_arch);
}

Result<Platform> ParsePlatform(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    parts.push_back(Lower(text.substr(start, slash - start)));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool ok = parts.size() == 2 || parts.size() == 3;
  for (const std::string& p : parts) ok = ok && ValidPart(p);
  if (!ok) {
    return InvalidArgument("invalid platform '" + std::string(text) +
                           "': expected OS/ARCH[/VARIANT], e.g. linux/arm64/v8");
  }
  Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  if (!p.variant.empty() && p.variant.find_first_not_of("0123456789") == std::string::npos) {
    p.variant = "v" + p.variant;
  }
  // Only a non-GOARCH name brings its implied variant, so that
  // "linux/arm64" keeps preferring entries without one (platform_match.h).
  GoArch mapped = MachineToGoArch(p.architecture);
  if (mapped.architecture != p.architecture) {
    p.architecture = mapped.architecture;
    if (p.variant.empty()) p.variant = mapped.variant;
  }
  return p;
}

Platform HostPlatform() {
  struct utsname u;
  Platform p;
  p.os = "linux";
  if (uname(&u) != 0) return p;
  p.os = Lower(u.sysname);
  GoArch arch = MachineToGoArch(u.machine);
  p.architecture = arch.architecture;
  p.variant = arch.variant;
  return p;
}

Result<Platform> PlatformFromJson(const nlohmann::json& obj, std::string_view where) {
  std::string ctx = std::string(where) + ": platform";
  if (!obj.is_object()) return Corrupt(ctx + " is not an object");
  // os and architecture are required by the spec, but attestation entries
  // of buildx say "unknown"; an entry that matches nothing is harmless, a
  // whole index refused over it is not.
  Platform p;
  OCITREE_ASSIGN_OR_RETURN(p.os, GetString(obj, "os", ctx, false));
  OCITREE_ASSIGN_OR_RETURN(p.architecture, GetString(obj, "architecture", ctx, false));
  OCITREE_ASSIGN_OR_RETURN(p.variant, GetString(obj, "variant", ctx, false));
  OCITREE_ASSIGN_OR_RETURN(p.os_version, GetString(obj, "os.version", ctx, false));
  OCITREE_RETURN_IF_ERROR(GetStringArray(obj, "os.features", ctx).status());
  return p;
}

}  // namespace ocitree::oci
