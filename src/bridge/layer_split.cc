#include "bridge/layer_split.h"

#include <string>

namespace ocitree {

size_t LayerBucketOfPath(std::string_view path, size_t buckets) {
  if (buckets <= 1 || path.empty()) return 0;
  Sha256 sha;
  sha.Update(path);
  Checksum c = sha.Finish();
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = (v << 8) | c.bytes[i];
  return static_cast<size_t>(v % buckets);
}

namespace {

Status Count(const TreeSource& source, const Checksum& tree_c, const std::string& path, size_t buckets,
             std::vector<uint64_t>* counts) {
  OCITREE_ASSIGN_OR_RETURN(DirTree tree, source.ReadDirTree(tree_c));
  std::string prefix = path.empty() ? "" : path + "/";
  for (const DirTree::File& f : tree.files) (*counts)[LayerBucketOfPath(prefix + f.name, buckets)]++;
  for (const DirTree::Dir& d : tree.dirs) {
    std::string child = prefix + d.name;
    (*counts)[LayerBucketOfPath(child, buckets)]++;
    OCITREE_RETURN_IF_ERROR(Count(source, d.tree, child, buckets, counts));
  }
  return {};
}

}  // namespace

Result<std::vector<uint64_t>> CountEntriesPerBucket(const TreeSource& source, const Checksum& root_tree,
                                                    size_t buckets) {
  if (buckets == 0) buckets = 1;
  std::vector<uint64_t> counts(buckets, 0);
  counts[0]++;  // the root
  OCITREE_RETURN_IF_ERROR(Count(source, root_tree, "", buckets, &counts));
  return counts;
}

}  // namespace ocitree
