#include "cli/registry_flags.h"

namespace ocitree::cli {

void AddRegistryFlags(CLI::App* cmd, RegistryOptions* options) {
  cmd->add_option("--creds", options->creds, "USER:PASSWORD for the registry (no auth file is read then)");
  cmd->add_option("--authfile", options->authfile,
                  "Auth file to read (default: $REGISTRY_AUTH_FILE, then ${XDG_RUNTIME_DIR}/containers/auth.json, "
                  "~/.config/containers/auth.json, ~/.docker/config.json)");
  // A flag, so that `--tls-verify IMAGE` does not take IMAGE as its value:
  // write --tls-verify=false, as with skopeo.
  cmd->add_flag("--tls-verify", options->tls_verify,
                "Check the registry's TLS certificate and use https only (default true; "
                "--tls-verify=false also allows plain http)");
  cmd->add_option("--cert-dir", options->cert_dir,
                  "Directory with *.crt CA certificates and NAME.cert/NAME.key client certificates "
                  "(default: the first of ~/.config/containers/certs.d/REGISTRY, "
                  "/etc/containers/certs.d/REGISTRY, /etc/docker/certs.d/REGISTRY)");
}

}  // namespace ocitree::cli
