// Registry credentials the way containers/image finds them (FORMATS.md
// 6.3): --creds, else --authfile or $REGISTRY_AUTH_FILE, else the first of
// ${XDG_RUNTIME_DIR}/containers/auth.json, ${XDG_CONFIG_HOME:-~/.config}/
// containers/auth.json, ${DOCKER_CONFIG:-~/.docker}/config.json and the
// legacy ~/.dockercfg that has an entry for the registry.
#ifndef OCITREE_REGISTRY_AUTH_FILE_H_
#define OCITREE_REGISTRY_AUTH_FILE_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocitree/registry_options.h"
#include "ocitree/status.h"

namespace ocitree::registry {

struct Credentials {
  std::string username;
  std::string password;
  // An OAuth refresh token ("identitytoken" of `docker login` with an
  // identity provider): exchanged at the token realm, never sent as Basic.
  std::string identity_token;
  // Where they came from, for messages: "--creds", "/root/.docker/config.json".
  std::string source;
};

// The environment the search depends on, so tests can fake a home.
struct AuthEnvironment {
  std::string home;
  std::string xdg_runtime_dir;
  std::string xdg_config_home;
  std::string docker_config;
  std::string registry_auth_file;
  uid_t uid = 0;

  static AuthEnvironment FromProcess();
  // The default files in search order; `legacy` marks ~/.dockercfg.
  struct File {
    std::string path;
    bool legacy = false;
  };
  std::vector<File> DefaultFiles() const;
};

// Credentials for pulling `repository` from `registry` ("docker.io",
// "localhost:5000"), or nullopt: anonymous. A file named by --authfile or
// $REGISTRY_AUTH_FILE must exist; default files that do not are skipped.
// A malformed file is an error naming it; a credential helper configured
// for the registry (credHelpers) is kUnsupported naming the helper.
Result<std::optional<Credentials>> FindCredentials(const RegistryOptions& options, const AuthEnvironment& env,
                                                   std::string_view registry, std::string_view repository);

// One file's content: `legacy` for ~/.dockercfg (the top-level object is the
// map of entries, no "auths"). Keys may be "host", "host:port",
// "host/namespace[/repo]" (the longest match wins) or URLs such as
// "https://index.docker.io/v1/" (only their host counts).
Result<std::optional<Credentials>> FindInAuthFile(std::string_view json, bool legacy, std::string_view registry,
                                                  std::string_view repository, std::string_view path);

// "USER:PASSWORD" as --creds takes it.
Result<Credentials> ParseCredsFlag(std::string_view creds);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_AUTH_FILE_H_
