// TLS settings for one registry, with certificates from a directory laid out
// as containers/image and docker expect (certs.d): *.crt are CA
// certificates added to the system ones, NAME.cert + NAME.key a client
// certificate.
#ifndef OCITREE_REGISTRY_TLS_CONFIG_H_
#define OCITREE_REGISTRY_TLS_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "ocitree/registry_options.h"
#include "ocitree/status.h"

namespace ocitree::registry {

struct TlsSettings {
  bool verify = true;
  std::string extra_ca_pem;  // the *.crt files, concatenated, checked to parse
  std::string client_cert;   // paths of a PEM certificate and its key
  std::string client_key;
  std::string cert_dir;      // where they came from, for messages
};

// Reads `dir`: every *.crt must hold at least one PEM certificate; every
// NAME.cert needs NAME.key and the other way round (the first pair by name
// is used). A missing directory is kNotFound when `must_exist`, else empty.
Result<TlsSettings> LoadCertDir(const std::string& dir, bool must_exist);

// Where `registry`'s certificates are looked for without --cert-dir, in
// containers-certs.d(5)'s order, the user's own first:
// ${XDG_CONFIG_HOME:-$HOME/.config}/containers/certs.d/REGISTRY,
// /etc/containers/certs.d/REGISTRY, /etc/docker/certs.d/REGISTRY. (The
// certs.rootful.d/certs.rootless.d and /usr/share variants of newer
// containers/image are not searched.)
std::vector<std::string> DefaultCertDirs(std::string_view registry, std::string_view home,
                                         std::string_view xdg_config_home);

// The settings for `registry` ("host[:port]"): options.cert_dir, which must
// exist, or else the first existing of DefaultCertDirs (for this process's
// $HOME and $XDG_CONFIG_HOME).
Result<TlsSettings> TlsSettingsFor(const RegistryOptions& options, std::string_view registry);

// Adds the PEM certificates to an OpenSSL SSL_CTX's trust store (called from
// curl's SSL context callback).
bool AddCaCertificates(void* ssl_ctx, const std::string& pem);

}  // namespace ocitree::registry

#endif  // OCITREE_REGISTRY_TLS_CONFIG_H_
