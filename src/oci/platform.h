// Platforms ("linux/arm64/v8") and the names architectures go by: GOARCH in
// OCI documents, `uname -m` on the host, ostree.architecture in commits
// (FORMATS.md 9.3).
#ifndef OCITREE_OCI_PLATFORM_H_
#define OCITREE_OCI_PLATFORM_H_

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "ocitree/status.h"

namespace ocitree::oci {

struct Platform {
  std::string os;            // GOOS: "linux"
  std::string architecture;  // GOARCH: "amd64", "arm64", "arm"
  std::string variant;       // "v7", "v8"; may be empty
  std::string os_version;    // "os.version", kept for display (Windows images)

  // "os/architecture[/variant]".
  std::string ToString() const;

  friend bool operator==(const Platform&, const Platform&) = default;
};

// "OS/ARCH[/VARIANT]", as --platform takes it. Lowercased; a bare number
// variant gets its "v" ("arm64/8"); an ARCH that is not a GOARCH name but a
// uname/RPM/Debian one is mapped and brings its implied variant, so
// "linux/aarch64" is linux/arm64/v8 and "linux/armhf" is linux/arm/v7.
Result<Platform> ParsePlatform(std::string_view text);

struct GoArch {
  std::string architecture;
  std::string variant;
};

// A `uname -m`, RPM or Debian architecture name as GOARCH + variant:
// x86_64 -> amd64, aarch64 -> arm64/v8, armv7l -> arm/v7, i686 -> 386...
// Names it does not know pass through unchanged (they may already be GOARCH).
GoArch MachineToGoArch(std::string_view machine);

// The reverse, for ostree.architecture: amd64 -> x86_64, arm64 -> aarch64,
// arm/v7 -> armv7l, 386 -> i386, mipsle -> mipsel; unknown names pass through.
std::string GoArchToOstreeArch(std::string_view architecture, std::string_view variant);

// The inverse of GoArchToOstreeArch, for exporting a commit: its
// ostree.architecture as GOARCH + variant (x86_64 -> amd64, aarch64 ->
// arm64/v8, armv7l -> arm/v7, i386 -> 386, mipsel -> mipsle). Unknown names
// pass through.
GoArch OstreeArchToGoArch(std::string_view ostree_arch);

// This machine, from uname(2): os "linux" and MachineToGoArch(machine). A
// 32-bit userland on a 64-bit kernel reports the kernel's architecture.
Platform HostPlatform();

// The "platform" object of an index entry (internal to src/oci).
Result<Platform> PlatformFromJson(const nlohmann::json& obj, std::string_view where);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_PLATFORM_H_
