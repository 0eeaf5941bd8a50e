#include "registry/auth_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/io.h"
#include "base/log.h"
#include "oci/limits.h"
#include "base/base64.h"

namespace ocitree::registry {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// What a key of an auths map stands for: URL forms keep only their host,
// and Docker Hub's many names become docker.io.
std::string NormalizeKey(std::string_view key) {
  std::string k(key);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (k.starts_with(scheme)) {
      k = k.substr(scheme.size());
      k = k.substr(0, k.find('/'));
      break;
    }
  }
  for (std::string_view hub : {"index.docker.io", "registry-1.docker.io"}) {
    if (k == hub || (k.starts_with(hub) && k[hub.size()] == '/')) {
      k = "docker.io" + k.substr(hub.size());
      break;
    }
  }
  return k;
}

// "reg/a/b/c", "reg/a/b", "reg/a", "reg": most specific first.
std::vector<std::string> Candidates(std::string_view registry, std::string_view repository) {
  std::vector<std::string> out;
  std::string path = std::string(registry) + "/" + std::string(repository);
  for (;;) {
    out.push_back(path);
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash < registry.size()) break;
    path.resize(slash);
  }
  if (out.back() != registry) out.push_back(std::string(registry));
  return out;
}

Result<Credentials> EntryCredentials(const nlohmann::json& entry, std::string_view where) {
  Credentials c;
  if (auto it = entry.find("identitytoken"); it != entry.end() && it->is_string()) {
    c.identity_token = it->get<std::string>();
  }
  if (auto it = entry.find("auth"); it != entry.end() && it->is_string() && !it->get<std::string>().empty()) {
    Result<std::string> decoded = Base64Decode(it->get<std::string>());
    if (!decoded.ok()) return InvalidArgument(std::string(where) + ": \"auth\" is not base64");
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) return InvalidArgument(std::string(where) + ": \"auth\" is not base64 of USER:PASSWORD");
    c.username = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
  }
  return c;
}

Result<std::string> ReadAuthFile(const std::string& path, bool* missing) {
  *missing = false;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) {
      *missing = true;
      return std::string();
    }
    return Status::FromErrno("open auth file " + path, errno);
  }
  std::string text;
  Bytes buf(64 * 1024);
  FdReader reader(fd.get(), path);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, reader.Read(buf));
    if (n == 0) break;
    text.append(reinterpret_cast<const char*>(buf.data()), n);
    if (text.size() > oci::kMaxJsonSize) return InvalidArgument(path + ": auth file is over 4 MiB");
  }
  return text;
}

}  // namespace

AuthEnvironment AuthEnvironment::FromProcess() {
  AuthEnvironment env;
  env.home = Env("HOME");
  env.xdg_runtime_dir = Env("XDG_RUNTIME_DIR");
  env.xdg_config_home = Env("XDG_CONFIG_HOME");
  env.docker_config = Env("DOCKER_CONFIG");
  env.registry_auth_file = Env("REGISTRY_AUTH_FILE");
  env.uid = ::getuid();
  return env;
}

std::vector<AuthEnvironment::File> AuthEnvironment::DefaultFiles() const {
  std::vector<File> files;
  if (!xdg_runtime_dir.empty()) {
    files.push_back({xdg_runtime_dir + "/containers/auth.json"});
  } else {
    files.push_back({"/run/containers/" + std::to_string(uid) + "/auth.json"});
  }
  std::string config_home = !xdg_config_home.empty() ? xdg_config_home : home.empty() ? "" : home + "/.config";
  if (!config_home.empty()) files.push_back({config_home + "/containers/auth.json"});
  std::string docker = !docker_config.empty() ? docker_config : home.empty() ? "" : home + "/.docker";
  if (!docker.empty()) files.push_back({docker + "/config.json"});
  if (!home.empty()) files.push_back({home + "/.dockercfg", true});
  return files;
}

Result<Credentials> ParseCredsFlag(std::string_view creds) {
  size_t colon = creds.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("--creds must be USER:PASSWORD");
  }
  Credentials c;
  c.username = std::string(creds.substr(0, colon));
  c.password = std::string(creds.substr(colon + 1));
  c.source = "--creds";
  return c;
}

Result<std::optional<Credentials>> FindInAuthFile(std::string_view json, bool legacy, std::string_view registry,
                                                  std::string_view repository, std::string_view path) {
  std::string where(path);
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument(where + ": not a JSON object");
  if (!legacy) {
    if (auto helpers = doc.find("credHelpers"); helpers != doc.end() && helpers->is_object()) {
      std::string reg(registry);
      for (auto it = helpers->begin(); it != helpers->end(); ++it) {
        if (NormalizeKey(it.key()) != reg) continue;
        std::string helper = it->is_string() ? it->get<std::string>() : "?";
        return Unsupported(where + ": credentials for " + reg + " come from the credential helper docker-credential-" +
                           helper + ", which ocitree does not run; use --creds or an auth file entry");
      }
    }
  }
  const nlohmann::json* auths = &doc;
  if (!legacy) {
    auto it = doc.find("auths");
    if (it == doc.end()) return std::optional<Credentials>();
    if (!it->is_object()) return InvalidArgument(where + ": \"auths\" is not an object");
    auths = &*it;
  }
  for (const std::string& want : Candidates(registry, repository)) {
    // An exact key beats a URL-form one that normalises to the same.
    const nlohmann::json* found = nullptr;
    std::string found_key;
    for (auto it = auths->begin(); it != auths->end(); ++it) {
      if (NormalizeKey(it.key()) != want || !it->is_object()) continue;
      if (found == nullptr || it.key() == want) {
        found = &*it;
        found_key = it.key();
      }
    }
    if (found == nullptr) continue;
    OCITREE_ASSIGN_OR_RETURN(Credentials c, EntryCredentials(*found, where + ": entry \"" + found_key + "\""));
    // Docker Desktop leaves empty entries when a credsStore holds the secret.
    if (c.username.empty() && c.identity_token.empty()) continue;
    c.source = where;
    return std::optional<Credentials>(std::move(c));
  }
  return std::optional<Credentials>();
}

Result<std::optional<Credentials>> FindCredentials(const RegistryOptions& options, const AuthEnvironment& env,
                                                   std::string_view registry, std::string_view repository) {
  if (!options.creds.empty()) {
    OCITREE_ASSIGN_OR_RETURN(Credentials c, ParseCredsFlag(options.creds));
    return std::optional<Credentials>(std::move(c));
  }
  std::vector<AuthEnvironment::File> files;
  std::string named = !options.authfile.empty() ? options.authfile : env.registry_auth_file;
  if (!named.empty()) {
    files.push_back({named});
  } else {
    files = env.DefaultFiles();
  }
  for (const AuthEnvironment::File& file : files) {
    bool missing = false;
    OCITREE_ASSIGN_OR_RETURN(std::string text, ReadAuthFile(file.path, &missing));
    if (missing) {
      if (!named.empty()) {
        return NotFound("auth file " + file.path + " does not exist" +
                        (options.authfile.empty() ? " ($REGISTRY_AUTH_FILE)" : ""));
      }
      continue;
    }
    OCITREE_ASSIGN_OR_RETURN(std::optional<Credentials> c,
                             FindInAuthFile(text, file.legacy, registry, repository, file.path));
    if (c) {
      LogDebug("credentials for " + std::string(registry) + " from " + file.path);
      return c;
    }
  }
  return std::optional<Credentials>();
}

}  // namespace ocitree::registry
