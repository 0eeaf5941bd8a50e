// How ocitree talks to a registry (docker://HOST/NAME references): the
// credentials, TLS settings and limits skopeo users know as --creds,
// --authfile, --tls-verify and --cert-dir.
#ifndef OCITREE_REGISTRY_OPTIONS_H_
#define OCITREE_REGISTRY_OPTIONS_H_

#include <string>

namespace ocitree {

struct RegistryOptions {
  // "USER:PASSWORD" for every registry this run talks to; when set, no auth
  // file is read.
  std::string creds;
  // An auth.json to read instead of the usual ones ($REGISTRY_AUTH_FILE when
  // empty, then ${XDG_RUNTIME_DIR}/containers/auth.json,
  // ~/.config/containers/auth.json, ~/.docker/config.json, ~/.dockercfg).
  // A file named here or in $REGISTRY_AUTH_FILE must exist.
  std::string authfile;
  // false: TLS certificates are not checked and plain http:// is allowed
  // (tried after https). true never falls back to http.
  bool tls_verify = true;
  // *.crt: extra CA certificates; NAME.cert + NAME.key: a client
  // certificate. Empty: ${XDG_CONFIG_HOME:-~/.config}/containers/certs.d/HOST[:PORT],
  // /etc/containers/certs.d/HOST[:PORT] or /etc/docker/certs.d/HOST[:PORT],
  // the first that exists.
  std::string cert_dir;
  // Blob downloads open at once per source; more wait for a free one, so a
  // thread must not hold two blob readers when all are taken.
  int max_connections = 4;

  // Requests answered with 429 or 5xx, or that fail to connect, are tried
  // this many times in all; waits double from retry_delay_ms (or follow
  // Retry-After) and stop when their sum would pass max_retry_wait_ms.
  int max_tries = 5;
  int retry_delay_ms = 1000;
  int max_retry_wait_ms = 60000;
  // Connecting may take this long; a transfer that moves no byte for
  // stall_timeout_seconds fails (a whole blob may take as long as it needs).
  int connect_timeout_seconds = 30;
  int stall_timeout_seconds = 60;

  // Pushes remember here which repositories of a registry hold which blobs,
  // so a later push can mount instead of upload (registry/blob_locations.h).
  // PushImage keeps it in the repository (ocitree/blob-locations) when
  // empty; then nothing is written outside the repository.
  std::string blob_locations_file;
};

}  // namespace ocitree

#endif  // OCITREE_REGISTRY_OPTIONS_H_
