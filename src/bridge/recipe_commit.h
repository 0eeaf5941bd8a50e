// Layer recipes in the repository. A layer's recipe (layer_recipe.h) lives in
// a commit of its own on ocitree/recipe/sha256/<diff_id hex>, so that every
// tool that prunes by refs (the real `ostree prune --refs-only` included)
// keeps it and the content it needs. The commit's tree:
//
//   /recipe        the serialized recipe, as a regular file
//   /extra/<hex>   content objects the recipe needs that the layer tree does
//                  not list (a path the tar writes twice keeps only its last
//                  content in the tree), named by checksum
//
// A separate ref rather than the layer commit's parent or metadata: the
// layer ref must check out to exactly the layer, a parent would not survive
// `ostree prune --depth=0`, and a million-entry recipe is too big for
// commit metadata.
#ifndef OCITREE_BRIDGE_RECIPE_COMMIT_H_
#define OCITREE_BRIDGE_RECIPE_COMMIT_H_

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/io.h"
#include "oci/digest.h"
#include "repo/object_store.h"
#include "repo/transaction.h"

namespace ocitree {

inline constexpr char kRecipeRefPrefix[] = "ocitree/recipe/sha256/";

std::string RecipeRef(const oci::Digest& diff_id);

// Writes the recipe commit (the recipe read from `recipe`, `recipe_size`
// bytes) and queues its ref.
Result<Checksum> WriteRecipeCommit(Transaction& txn, const oci::Digest& diff_id, ByteReader& recipe,
                                   uint64_t recipe_size, const std::vector<Checksum>& extras);

// True when a complete recipe commit for `diff_id` is in the repository.
Result<bool> HasRecipe(const ObjectStore& store, const oci::Digest& diff_id);

// The serialized recipe; kNotFound when the layer has none (it was pulled
// flattened, or with hooks that changed its content).
Result<Bytes> ReadRecipe(const ObjectStore& store, const oci::Digest& diff_id);

// Streams the layer's original uncompressed tar to `sink`, checked against
// the diff_id while it is produced (see RebuildTar for what happens on a
// mismatch).
Status RebuildLayerTar(const ObjectStore& store, const oci::Digest& diff_id, ByteSink& sink);

}  // namespace ocitree

#endif  // OCITREE_BRIDGE_RECIPE_COMMIT_H_
