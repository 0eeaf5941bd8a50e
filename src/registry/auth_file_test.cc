// Credential lookup with a fake home: the order of the files, key forms
// (host, host:port, namespaces, Docker's URL keys), --creds and --authfile,
// identity tokens, credential helpers and malformed files.
#include "registry/auth_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/base64.h"

namespace ocitree::registry {
namespace {

class RegistryAuthFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ocitree-authfile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    env_.home = root_ + "/home";
    env_.xdg_runtime_dir = root_ + "/run";
    env_.uid = 1234;
    std::filesystem::create_directories(env_.home);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
  }
  static std::string Entry(const std::string& user, const std::string& pass) {
    return R"({"auth":")" + Base64Encode(user + ":" + pass) + R"("})";
  }
  std::optional<Credentials> Find(std::string_view registry, std::string_view repository,
                                  const RegistryOptions& options = {}) {
    auto r = FindCredentials(options, env_, registry, repository);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::nullopt;
  }

  std::string root_;
  AuthEnvironment env_;
};

TEST_F(RegistryAuthFileTest, NoFilesIsAnonymous) { EXPECT_FALSE(Find("quay.io", "a/b")); }

TEST_F(RegistryAuthFileTest, DefaultFilesInContainersOrder) {
  auto files = env_.DefaultFiles();
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].path, root_ + "/run/containers/auth.json");
  EXPECT_EQ(files[1].path, root_ + "/home/.config/containers/auth.json");
  EXPECT_EQ(files[2].path, root_ + "/home/.docker/config.json");
  EXPECT_EQ(files[3].path, root_ + "/home/.dockercfg");
  EXPECT_TRUE(files[3].legacy);
  AuthEnvironment bare;
  bare.uid = 42;
  bare.home = "/h";
  bare.xdg_config_home = "/cfg";
  bare.docker_config = "/dcfg";
  files = bare.DefaultFiles();
  EXPECT_EQ(files[0].path, "/run/containers/42/auth.json");
  EXPECT_EQ(files[1].path, "/cfg/containers/auth.json");
  EXPECT_EQ(files[2].path, "/dcfg/config.json");
}

TEST_F(RegistryAuthFileTest, FirstFileWithAnEntryWins) {
  Write(env_.home + "/.docker/config.json", R"({"auths":{"quay.io":)" + Entry("docker", "d") + "}}");
  Write(env_.home + "/.config/containers/auth.json", R"({"auths":{"other.io":)" + Entry("x", "y") + "}}");
  auto c = Find("quay.io", "ns/img");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "docker");
  EXPECT_EQ(c->password, "d");
  EXPECT_EQ(c->source, env_.home + "/.docker/config.json");
  Write(env_.xdg_runtime_dir + "/containers/auth.json", R"({"auths":{"quay.io":)" + Entry("runtime", "r") + "}}");
  c = Find("quay.io", "ns/img");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "runtime");
}

TEST_F(RegistryAuthFileTest, MostSpecificKeyWins) {
  Write(env_.home + "/.config/containers/auth.json",
        R"({"auths":{"quay.io":)" + Entry("host", "1") + R"(,"quay.io/ns":)" + Entry("ns", "2") +
            R"(,"quay.io/ns/img":)" + Entry("img", "3") + "}}");
  EXPECT_EQ(Find("quay.io", "ns/img")->username, "img");
  EXPECT_EQ(Find("quay.io", "ns/other")->username, "ns");
  EXPECT_EQ(Find("quay.io", "elsewhere/x")->username, "host");
  EXPECT_FALSE(Find("quay.iox", "ns/img"));
}

TEST_F(RegistryAuthFileTest, PortsAndUrlKeys) {
  Write(env_.home + "/.docker/config.json",
        R"({"auths":{"localhost:5000":)" + Entry("local", "p") + R"(,"https://index.docker.io/v1/":)" +
            Entry("hub", "h") + R"(,"http://reg.example:8443/v2/":)" + Entry("url", "u") + "}}");
  EXPECT_EQ(Find("localhost:5000", "a")->username, "local");
  EXPECT_FALSE(Find("localhost", "a"));
  EXPECT_EQ(Find("docker.io", "library/alpine")->username, "hub");
  EXPECT_EQ(Find("reg.example:8443", "x/y")->username, "url");
}

TEST_F(RegistryAuthFileTest, ExactKeyBeatsUrlForm) {
  Write(env_.home + "/.docker/config.json",
        R"({"auths":{"https://quay.io/v1/":)" + Entry("url", "1") + R"(,"quay.io":)" + Entry("plain", "2") + "}}");
  EXPECT_EQ(Find("quay.io", "a/b")->username, "plain");
}

TEST_F(RegistryAuthFileTest, LegacyDockercfg) {
  Write(env_.home + "/.dockercfg", R"({"https://index.docker.io/v1/":)" + Entry("old", "o") + "}");
  auto c = Find("docker.io", "library/busybox");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "old");
}

TEST_F(RegistryAuthFileTest, PasswordsMayHoldColons) {
  Write(env_.home + "/.docker/config.json", R"({"auths":{"r.io":)" + Entry("u", "a:b:c") + "}}");
  EXPECT_EQ(Find("r.io", "x")->password, "a:b:c");
}

TEST_F(RegistryAuthFileTest, EmptyEntriesAreSkipped) {
  // Docker Desktop: the secret is in a credsStore, the entry is empty.
  Write(env_.home + "/.docker/config.json", R"({"auths":{"r.io":{}},"credsStore":"desktop"})");
  EXPECT_FALSE(Find("r.io", "x"));
}

TEST_F(RegistryAuthFileTest, IdentityToken) {
  Write(env_.home + "/.docker/config.json",
        R"({"auths":{"r.io":{"auth":")" + Base64Encode("<token>:") + R"(","identitytoken":"refresh-me"}}})");
  auto c = Find("r.io", "x");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->identity_token, "refresh-me");
  EXPECT_EQ(c->username, "<token>");
}

TEST_F(RegistryAuthFileTest, CredHelperIsUnsupportedNamingIt) {
  Write(env_.home + "/.docker/config.json", R"({"credHelpers":{"r.io":"ecr-login"},"auths":{}})");
  auto r = FindCredentials({}, env_, "r.io", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("docker-credential-ecr-login"), std::string::npos) << r.status().message();
  // Other registries are not affected.
  EXPECT_FALSE(Find("other.io", "x"));
}

TEST_F(RegistryAuthFileTest, MalformedFilesAreErrorsNamingThem) {
  std::string path = env_.home + "/.docker/config.json";
  for (std::string text : {std::string("{not json"), std::string(R"({"auths":[]})"),
                           std::string(R"({"auths":{"r.io":{"auth":"!!!"}}})"),
                           R"({"auths":{"r.io":{"auth":")" + Base64Encode("nocolon") + R"("}}})"}) {
    Write(path, text);
    auto r = FindCredentials({}, env_, "r.io", "x");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
}

TEST_F(RegistryAuthFileTest, CredsFlagWinsOverFiles) {
  Write(env_.home + "/.docker/config.json", R"({"auths":{"r.io":)" + Entry("file", "f") + "}}");
  RegistryOptions o;
  o.creds = "flag:pa:ss";
  auto c = Find("r.io", "x", o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "flag");
  EXPECT_EQ(c->password, "pa:ss");
  EXPECT_EQ(c->source, "--creds");
  o.creds = "nopassword";
  EXPECT_EQ(FindCredentials(o, env_, "r.io", "x").status().code(), ErrorCode::kInvalidArgument);
  o.creds = ":pass";
  EXPECT_EQ(FindCredentials(o, env_, "r.io", "x").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(RegistryAuthFileTest, AuthfileReplacesTheDefaults) {
  Write(env_.home + "/.docker/config.json", R"({"auths":{"r.io":)" + Entry("default", "d") + "}}");
  std::string named = root_ + "/named.json";
  Write(named, R"({"auths":{"other.io":)" + Entry("named", "n") + "}}");
  RegistryOptions o;
  o.authfile = named;
  EXPECT_FALSE(Find("r.io", "x", o));  // the default file is not read
  EXPECT_EQ(Find("other.io", "x", o)->username, "named");
  // $REGISTRY_AUTH_FILE does the same; --authfile beats it.
  env_.registry_auth_file = named;
  EXPECT_EQ(Find("other.io", "x")->username, "named");
  o.authfile = root_ + "/missing.json";
  auto r = FindCredentials(o, env_, "other.io", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  env_.registry_auth_file = root_ + "/missing-too.json";
  r = FindCredentials({}, env_, "other.io", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("REGISTRY_AUTH_FILE"), std::string::npos);
}

}  // namespace
}  // namespace ocitree::registry
