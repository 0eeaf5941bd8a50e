// The registry flags every command that reads docker:// references shares,
// spelled as skopeo spells them: --creds, --authfile, --tls-verify,
// --cert-dir.
#ifndef OCITREE_CLI_REGISTRY_FLAGS_H_
#define OCITREE_CLI_REGISTRY_FLAGS_H_

#include <CLI/CLI.hpp>

#include "ocitree/registry_options.h"

namespace ocitree::cli {

// Adds the flags to `cmd`; parsing fills `*options`, which must outlive the
// parse.
void AddRegistryFlags(CLI::App* cmd, RegistryOptions* options);

}  // namespace ocitree::cli

#endif  // OCITREE_CLI_REGISTRY_FLAGS_H_
