// Test helpers for src/registry: tests/integration/hostile_registry.py run
// as a child process, and registry options that fail fast against it.
// python3 is required: without it the tests fail, they do not skip.
#ifndef OCITREE_REGISTRY_REGISTRY_TEST_UTIL_H_
#define OCITREE_REGISTRY_REGISTRY_TEST_UTIL_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ocitree/registry_options.h"

namespace ocitree::registry::testing {

inline std::filesystem::path ServerScript() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "tests" / "integration" /
         "hostile_registry.py";
}

// One hostile_registry.py process, killed (by its pid) when this goes away.
class HostileRegistry {
 public:
  explicit HostileRegistry(std::vector<std::string> args) {
    char tmpl[] = "/tmp/ocitree-hostile-XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = tmpl;
    std::vector<std::string> argv = {"python3", ServerScript().string(), "--port-file", dir_ + "/port",
                                     "--other-port-file", dir_ + "/other-port", "--log", dir_ + "/log"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> c;
      for (std::string& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      FILE* err = std::freopen((dir_ + "/stderr").c_str(), "w", stderr);
      (void)err;
      execvp(c[0], c.data());
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; i++) {
      std::ifstream in(dir_ + "/port");
      in >> port_;
      if (port_ == 0) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  ~HostileRegistry() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  HostileRegistry(const HostileRegistry&) = delete;
  HostileRegistry& operator=(const HostileRegistry&) = delete;

  bool ok() const { return port_ != 0; }
  std::string Why() const {
    std::ifstream in(dir_ + "/stderr");
    std::stringstream s;
    s << in.rdbuf();
    return "hostile_registry.py did not start (is python3 installed?): " + s.str();
  }
  std::string Ref(const std::string& tail = "test/img:v1") const {
    return "docker://127.0.0.1:" + std::to_string(port_) + "/" + tail;
  }
  const std::string& dir() const { return dir_; }
  // The requests the servers saw, in order.
  std::vector<nlohmann::json> Log() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ + "/log");
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  // How many requests to `server` ("registry" or "other") had `path_part` in their path.
  int Count(const std::string& server, const std::string& path_part) const {
    int n = 0;
    for (const auto& e : Log()) {
      if (e["server"] == server && e["path"].get<std::string>().find(path_part) != std::string::npos) n++;
    }
    return n;
  }
  // "METHOD path" of every request whose path contains `part`, in order.
  std::vector<std::string> Requests(const std::string& part) const {
    std::vector<std::string> out;
    for (const auto& e : Log()) {
      std::string path = e["path"];
      if (path.find(part) != std::string::npos) out.push_back(e["method"].get<std::string>() + " " + path);
    }
    return out;
  }
  void ClearLog() const { std::ofstream(dir_ + "/log", std::ios::trunc); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Declares `var`, a HostileRegistry started with the given arguments, and
// fails the test when it did not start.
#define START_SERVER(var, ...)                                                               \
  ::ocitree::registry::testing::HostileRegistry var(std::vector<std::string>{__VA_ARGS__}); \
  ASSERT_TRUE(var.ok()) << var.Why()

// Plain http (as the server speaks), quick retries and short timeouts, so a
// misbehaving server fails a test in seconds. `stall_timeout_seconds`: how
// long a transfer may see no bytes.
inline RegistryOptions Fast(int stall_timeout_seconds = 2) {
  RegistryOptions o;
  o.tls_verify = false;
  o.retry_delay_ms = 20;
  o.max_retry_wait_ms = 10000;
  o.connect_timeout_seconds = 5;
  o.stall_timeout_seconds = stall_timeout_seconds;
  return o;
}

}  // namespace ocitree::registry::testing

#endif  // OCITREE_REGISTRY_REGISTRY_TEST_UTIL_H_
