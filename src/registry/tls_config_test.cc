// Where TLS settings come from: the certs.d search order of
// containers-certs.d(5) (the user's directory before the system ones), and
// what a certificate directory must hold.
#include "registry/tls_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>

namespace ocitree::registry {
namespace {

class RegistryTlsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ocitree-tlsconfig-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    for (const char* name : {"HOME", "XDG_CONFIG_HOME"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
    }
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
    std::filesystem::remove_all(root_);
  }
  void Write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
  }

  std::string root_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(RegistryTlsConfigTest, DefaultDirsInContainersOrder) {
  EXPECT_EQ(DefaultCertDirs("reg.example:5000", "/home/u", ""),
            (std::vector<std::string>{"/home/u/.config/containers/certs.d/reg.example:5000",
                                      "/etc/containers/certs.d/reg.example:5000",
                                      "/etc/docker/certs.d/reg.example:5000"}));
  EXPECT_EQ(DefaultCertDirs("reg.example", "/home/u", "/cfg"),
            (std::vector<std::string>{"/cfg/containers/certs.d/reg.example", "/etc/containers/certs.d/reg.example",
                                      "/etc/docker/certs.d/reg.example"}));
  EXPECT_EQ(DefaultCertDirs("reg.example", "", ""),
            (std::vector<std::string>{"/etc/containers/certs.d/reg.example", "/etc/docker/certs.d/reg.example"}));
}

TEST_F(RegistryTlsConfigTest, UsersOwnDirectoryIsRead) {
  // LoadCertDir pairs client files by name without parsing them.
  const std::string reg = "ocitree-tls-test.invalid:1";
  Write(root_ + "/home/.config/containers/certs.d/" + reg + "/client.cert", "x");
  Write(root_ + "/home/.config/containers/certs.d/" + reg + "/client.key", "x");
  Write(root_ + "/xdg/containers/certs.d/" + reg + "/other.cert", "x");
  Write(root_ + "/xdg/containers/certs.d/" + reg + "/other.key", "x");
  setenv("HOME", (root_ + "/home").c_str(), 1);
  unsetenv("XDG_CONFIG_HOME");
  RegistryOptions options;
  auto tls = TlsSettingsFor(options, reg);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_EQ(tls->client_cert, root_ + "/home/.config/containers/certs.d/" + reg + "/client.cert");
  EXPECT_TRUE(tls->verify);
  setenv("XDG_CONFIG_HOME", (root_ + "/xdg").c_str(), 1);
  options.tls_verify = false;
  tls = TlsSettingsFor(options, reg);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_EQ(tls->client_cert, root_ + "/xdg/containers/certs.d/" + reg + "/other.cert");
  EXPECT_FALSE(tls->verify);
  // --cert-dir replaces the search, and must exist.
  options.cert_dir = root_ + "/home/.config/containers/certs.d/" + reg;
  tls = TlsSettingsFor(options, reg);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_EQ(tls->client_cert, options.cert_dir + "/client.cert");
  options.cert_dir = root_ + "/missing";
  EXPECT_FALSE(TlsSettingsFor(options, reg).ok());
}

TEST_F(RegistryTlsConfigTest, CertDirMistakesAreNamed) {
  Write(root_ + "/bad/ca.crt", "not a certificate\n");
  auto bad = LoadCertDir(root_ + "/bad", /*must_exist=*/true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad/ca.crt: no PEM certificate"), std::string::npos)
      << bad.status().message();
  Write(root_ + "/half/client.cert", "x");
  auto half = LoadCertDir(root_ + "/half", /*must_exist=*/true);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("client.cert has no matching client.key"), std::string::npos)
      << half.status().message();
  auto missing = LoadCertDir(root_ + "/none", /*must_exist=*/false);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->extra_ca_pem.empty());
  EXPECT_TRUE(missing->client_cert.empty());
}

}  // namespace
}  // namespace ocitree::registry
