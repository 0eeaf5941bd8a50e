// Platform names, architecture mappings and containers/image-style manifest
// selection from an index.
#include "oci/platform.h"

#include <sys/utsname.h>

#include <gtest/gtest.h>

#include "oci/platform_match.h"
#include "oci/oci_test_util.h"

namespace ocitree::oci {
namespace {

Platform P(std::string os, std::string arch, std::string variant = "") {
  return Platform{std::move(os), std::move(arch), std::move(variant), ""};
}

TEST(PlatformTest, ParsePlatform) {
  struct Case {
    const char* text;
    Platform want;
  };
  const Case cases[] = {
      {"linux/arm64/v8", P("linux", "arm64", "v8")},
      {"linux/amd64", P("linux", "amd64")},
      {"LINUX/AMD64", P("linux", "amd64")},
      {"linux/arm64", P("linux", "arm64")},  // a GOARCH name brings no variant
      {"linux/arm64/8", P("linux", "arm64", "v8")},
      {"linux/arm/7", P("linux", "arm", "v7")},
      {"linux/aarch64", P("linux", "arm64", "v8")},
      {"linux/x86_64", P("linux", "amd64")},
      {"linux/armhf", P("linux", "arm", "v7")},
      {"linux/armv6l", P("linux", "arm", "v6")},
      {"linux/armv7l/v6", P("linux", "arm", "v6")},  // an explicit variant wins
      {"linux/i686", P("linux", "386")},
      {"windows/amd64", P("windows", "amd64")},
      {"linux/riscv64", P("linux", "riscv64")},
  };
  for (const Case& c : cases) {
    Result<Platform> p = ParsePlatform(c.text);
    ASSERT_TRUE(p.ok()) << c.text << ": " << p.status().message();
    EXPECT_EQ(*p, c.want) << c.text << " -> " << p->ToString();
  }
  const char* bad[] = {"", "linux", "linux/", "/amd64", "linux/amd64/", "a/b/c/d", "linux/am d64", "linux//v8",
                       "linux/amd64/v1\n"};
  for (const char* text : bad) {
    Result<Platform> p = ParsePlatform(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(PlatformTest, ToString) {
  EXPECT_EQ(P("linux", "arm", "v7").ToString(), "linux/arm/v7");
  EXPECT_EQ(P("linux", "amd64").ToString(), "linux/amd64");
}

TEST(PlatformTest, MachineToGoArch) {
  struct Case {
    const char* machine;
    const char* arch;
    const char* variant;
  };
  const Case cases[] = {
      {"x86_64", "amd64", ""},    {"aarch64", "arm64", "v8"},  {"arm64", "arm64", "v8"},
      {"armv7l", "arm", "v7"},    {"armv6l", "arm", "v6"},     {"armv5tel", "arm", "v5"},
      {"i686", "386", ""},        {"i586", "386", ""},         {"i386", "386", ""},
      {"ppc64le", "ppc64le", ""}, {"ppc64", "ppc64", ""},      {"s390x", "s390x", ""},
      {"riscv64", "riscv64", ""}, {"mips", "mips", ""},        {"mipsel", "mipsle", ""},
      {"mips64", "mips64", ""},   {"mips64el", "mips64le", ""}, {"loongarch64", "loong64", ""},
      {"sparc64", "sparc64", ""},
  };
  for (const Case& c : cases) {
    GoArch g = MachineToGoArch(c.machine);
    EXPECT_EQ(g.architecture, c.arch) << c.machine;
    EXPECT_EQ(g.variant, c.variant) << c.machine;
  }
}

TEST(PlatformTest, GoArchToOstreeArchInvertsUname) {
  const char* machines[] = {"x86_64", "aarch64", "armv7l", "armv6l", "armv5tel", "ppc64le", "ppc64",
                            "s390x",  "riscv64", "mips",   "mipsel", "mips64",   "mips64el", "loongarch64"};
  for (const char* m : machines) {
    GoArch g = MachineToGoArch(m);
    EXPECT_EQ(GoArchToOstreeArch(g.architecture, g.variant), m);
  }
  EXPECT_EQ(GoArchToOstreeArch("386", ""), "i386");
  EXPECT_EQ(GoArchToOstreeArch("arm", ""), "arm");
  EXPECT_EQ(GoArchToOstreeArch("arm64", ""), "aarch64");
  EXPECT_EQ(GoArchToOstreeArch("wasm", ""), "wasm");
}

TEST(PlatformTest, OstreeArchToGoArchRoundTrips) {
  struct {
    const char* ostree;
    const char* arch;
    const char* variant;
  } cases[] = {{"x86_64", "amd64", ""}, {"aarch64", "arm64", "v8"}, {"armv7l", "arm", "v7"}, {"i386", "386", ""},
               {"mipsel", "mipsle", ""}, {"ppc64le", "ppc64le", ""}, {"s390x", "s390x", ""},
               {"riscv64", "riscv64", ""}, {"loongarch64", "loong64", ""}};
  for (const auto& c : cases) {
    GoArch g = OstreeArchToGoArch(c.ostree);
    EXPECT_EQ(g.architecture, c.arch) << c.ostree;
    EXPECT_EQ(g.variant, c.variant) << c.ostree;
    // Export then pull gives back the commit's own name.
    EXPECT_EQ(GoArchToOstreeArch(g.architecture, g.variant), c.ostree);
  }
}

TEST(PlatformTest, HostPlatformComesFromUname) {
  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  Platform host = HostPlatform();
  EXPECT_EQ(host.os, "linux");
  EXPECT_EQ(host.architecture, MachineToGoArch(u.machine).architecture);
  EXPECT_EQ(host.variant, MachineToGoArch(u.machine).variant);
  EXPECT_FALSE(host.architecture.empty());
}

std::vector<std::string> Variants(const Platform& wanted) {
  std::vector<std::string> out;
  for (const Platform& p : CandidatePlatforms(wanted)) {
    EXPECT_EQ(p.os, wanted.os);
    EXPECT_EQ(p.architecture, wanted.architecture);
    out.push_back(p.variant);
  }
  return out;
}

using V = std::vector<std::string>;

TEST(PlatformMatchTest, CandidateOrder) {
  EXPECT_EQ(Variants(P("linux", "arm64")), (V{"", "v8"}));
  EXPECT_EQ(Variants(P("linux", "arm64", "v8")), (V{"v8", ""}));
  EXPECT_EQ(Variants(P("linux", "arm", "v7")), (V{"v7", "v6", "v5", ""}));
  EXPECT_EQ(Variants(P("linux", "arm", "v8")), (V{"v8", "v7", "v6", "v5", ""}));
  EXPECT_EQ(Variants(P("linux", "arm")), (V{"", "v8", "v7", "v6", "v5"}));
  EXPECT_EQ(Variants(P("linux", "arm", "v9")), (V{"v9", ""}));
  EXPECT_EQ(Variants(P("linux", "amd64")), (V{""}));
  EXPECT_EQ(Variants(P("linux", "amd64", "v1")), (V{""}));
  EXPECT_EQ(Variants(P("linux", "amd64", "v3")), (V{"v3", "v2", ""}));
  EXPECT_EQ(Variants(P("linux", "riscv64")), (V{""}));
}

std::string Entry(char digit, std::string_view platform_json) {
  std::string json = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
                     std::string(64, digit) + R"(","size":100)";
  if (!platform_json.empty()) json += R"(,"platform":)" + std::string(platform_json);
  return json + "}";
}

Index MakeIndex(const std::vector<std::string>& entries) {
  std::string json = R"({"schemaVersion":2,"manifests":[)";
  for (size_t i = 0; i < entries.size(); i++) json += (i ? "," : "") + entries[i];
  Result<Index> index = Index::Parse(testing::ToBytes(json + "]}"));
  EXPECT_TRUE(index.ok()) << index.status().message();
  return index.ok() ? *index : Index{};
}

// The platforms of a typical Docker Hub library image.
Index HubIndex() {
  return MakeIndex({
      Entry('1', R"({"architecture":"amd64","os":"linux"})"),
      Entry('2', R"({"architecture":"arm","os":"linux","variant":"v6"})"),
      Entry('3', R"({"architecture":"arm","os":"linux","variant":"v7"})"),
      Entry('4', R"({"architecture":"arm64","os":"linux","variant":"v8"})"),
      Entry('5', R"({"architecture":"386","os":"linux"})"),
      Entry('6', R"({"architecture":"ppc64le","os":"linux"})"),
      Entry('7', R"({"architecture":"s390x","os":"linux"})"),
      Entry('8', R"({"architecture":"unknown","os":"unknown"})"),
  });
}

char Chosen(const Index& index, const Platform& wanted) {
  Result<Descriptor> d = SelectManifest(index, wanted);
  EXPECT_TRUE(d.ok()) << wanted.ToString() << ": " << d.status().message();
  return d.ok() ? d->digest.Hex()[0] : '?';
}

TEST(PlatformMatchTest, SelectsByOsArchAndVariant) {
  Index hub = HubIndex();
  EXPECT_EQ(Chosen(hub, P("linux", "amd64")), '1');
  EXPECT_EQ(Chosen(hub, P("linux", "arm64")), '4');  // no variant wanted: v8 is the fallback
  EXPECT_EQ(Chosen(hub, P("linux", "arm64", "v8")), '4');
  EXPECT_EQ(Chosen(hub, P("linux", "arm", "v7")), '3');
  EXPECT_EQ(Chosen(hub, P("linux", "arm", "v6")), '2');
  EXPECT_EQ(Chosen(hub, P("linux", "arm", "v8")), '3');  // best less capable one
  EXPECT_EQ(Chosen(hub, P("linux", "arm")), '3');        // v8 absent, then v7
  EXPECT_EQ(Chosen(hub, P("linux", "386")), '5');
  EXPECT_EQ(Chosen(hub, P("linux", "amd64", "v3")), '1');  // falls back to no variant
}

TEST(PlatformMatchTest, PrefersTheExactVariantThenNone) {
  Index index = MakeIndex({
      Entry('1', R"({"architecture":"arm64","os":"linux"})"),
      Entry('2', R"({"architecture":"arm64","os":"linux","variant":"v8"})"),
  });
  EXPECT_EQ(Chosen(index, P("linux", "arm64")), '1');
  EXPECT_EQ(Chosen(index, P("linux", "arm64", "v8")), '2');
}

TEST(PlatformMatchTest, FirstMatchingEntryWins) {
  Index index = MakeIndex({
      Entry('1', ""),  // no platform: never matches
      Entry('2', R"({"architecture":"amd64","os":"windows"})"),
      Entry('3', R"({"architecture":"amd64","os":"linux","variant":"v1"})"),
      Entry('4', R"({"architecture":"amd64","os":"linux"})"),
  });
  EXPECT_EQ(Chosen(index, P("linux", "amd64")), '3');  // v1 is no variant
  EXPECT_EQ(Chosen(index, P("windows", "amd64")), '2');
}

TEST(PlatformMatchTest, NoMatchListsWhatThereIs) {
  Index index = MakeIndex({
      Entry('1', R"({"architecture":"amd64","os":"linux"})"),
      Entry('2', R"({"architecture":"arm","os":"linux","variant":"v7"})"),
      Entry('3', R"({"architecture":"arm","os":"linux","variant":"v7"})"),
      Entry('4', ""),
  });
  Result<Descriptor> d = SelectManifest(index, P("linux", "riscv64"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(d.status().message().find("linux/riscv64"), std::string::npos);
  EXPECT_NE(d.status().message().find("linux/amd64, linux/arm/v7, (no platform)"), std::string::npos)
      << d.status().message();
  // v5 wanted: more capable variants are never taken.
  d = SelectManifest(index, P("linux", "arm", "v5"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kNotFound);
  d = SelectManifest(MakeIndex({}), P("linux", "amd64"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("no images"), std::string::npos);
}

}  // namespace
}  // namespace ocitree::oci
