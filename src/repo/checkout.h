// Checkout: materialise a committed tree in a directory. Every operation is
// relative to a directory descriptor opened without following symlinks, so
// nothing is ever written outside the destination.
#ifndef OCITREE_REPO_CHECKOUT_H_
#define OCITREE_REPO_CHECKOUT_H_

#include <string>

#include "ocitree/repo.h"
#include "repo/object_store.h"

namespace ocitree {

Result<CheckoutStats> CheckoutCommit(const ObjectStore& store, const Checksum& commit,
                                     const std::string& destination, const CheckoutOptions& options);

}  // namespace ocitree

#endif  // OCITREE_REPO_CHECKOUT_H_
