// PruneImages: layer refs (and their recipes) live as long as an image
// commit lists them; with dry_run, also what each image alone holds.
#include <fcntl.h>
#include <sys/stat.h>

#include <map>
#include <set>

#include "bridge/commit_restore.h"
#include "bridge/image_metadata.h"
#include "bridge/layer_commit.h"
#include "bridge/recipe_commit.h"
#include "ocitree/image.h"
#include "repo/object_store.h"
#include "repo/prune.h"
#include "repo/repo_lock.h"

namespace ocitree {

namespace {

bool IsLayerRef(const std::string& ref) {
  return ref.rfind(kLayerRefPrefix, 0) == 0 || ref.rfind(kRecipeRefPrefix, 0) == 0;
}

// For each non-layer ref: the layer and recipe refs its image commits (in
// any commit of its history) list.
Result<std::map<std::string, std::set<std::string>>> LayersByRef(const ObjectStore& store,
                                                                  const std::vector<std::string>& refs) {
  std::map<std::string, std::set<std::string>> out;
  for (const std::string& ref : refs) {
    if (IsLayerRef(ref)) continue;
    // A record ref (commit_restore.h) goes with its branch.
    std::set<std::string>& listed = out[IsRecordRef(ref) ? RecordBranch(ref) : ref];
    if (IsRecordRef(ref)) listed.insert(ref);
    std::set<Checksum> seen;
    OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> next, store.ReadRef(ref));
    while (next && seen.insert(*next).second) {
      auto commit = store.ReadCommit(*next);
      if (!commit.ok()) break;  // history pruned below here
      ImageRecord record;
      OCITREE_ASSIGN_OR_RETURN(bool is_image, ReadImageRecord(*commit, &record));
      if (is_image) {
        for (const std::string& d : record.diff_ids) {
          auto digest = oci::Digest::Parse(d);
          if (!digest.ok()) continue;
          listed.insert(LayerRef(*digest));
          listed.insert(RecipeRef(*digest));
        }
      }
      next = commit->parent;
    }
  }
  return out;
}

using ObjectKey = std::pair<ObjectType, Checksum>;
constexpr int kShared = -1;

// Bytes of the objects that exactly one group reaches, per group. A group is
// a set of refs that would go away together.
Result<std::vector<SpaceUse>> ExclusiveUse(const ObjectStore& store,
                                           const std::vector<std::pair<std::string, std::set<std::string>>>& groups) {
  std::map<ObjectKey, int> owner;
  for (size_t g = 0; g < groups.size(); g++) {
    std::set<ObjectKey> reachable;
    for (const std::string& ref : groups[g].second) {
      OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> target, store.ReadRef(ref));
      if (target) OCITREE_RETURN_IF_ERROR(MarkReachable(store, *target, &reachable).WithContext("ref " + ref));
    }
    for (const ObjectKey& key : reachable) {
      auto [it, inserted] = owner.emplace(key, static_cast<int>(g));
      if (!inserted && it->second != static_cast<int>(g)) it->second = kShared;
    }
  }
  std::vector<SpaceUse> use(groups.size());
  for (size_t g = 0; g < groups.size(); g++) use[g].name = groups[g].first;
  for (const auto& [key, g] : owner) {
    if (g == kShared) continue;
    struct stat st;
    std::string rel = LooseObjectPath(key.second, key.first, store.mode());
    if (fstatat(store.dirfd(), rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // missing: nothing to free
    use[g].objects++;
    use[g].bytes += static_cast<uint64_t>(st.st_size);
  }
  return use;
}

}  // namespace

Result<ImagePruneReport> PruneImages(Repo& repo, const PruneOptions& options) {
  ObjectStore& store = repo.store();
  OCITREE_ASSIGN_OR_RETURN(RepoLock lock, RepoLock::Acquire(store.dirfd(), RepoLock::Kind::kExclusive));
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  // Records of restored commits their branch no longer holds go first, so
  // the layers only they list go too.
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> stale_records, StaleRecordRefs(store, refs));
  std::set<std::string> stale(stale_records.begin(), stale_records.end());
  std::vector<std::string> live;
  for (const std::string& ref : refs)
    if (!stale.count(ref)) live.push_back(ref);
  OCITREE_ASSIGN_OR_RETURN(auto layers_by_ref, LayersByRef(store, live));
  std::set<std::string> listed;
  for (const auto& [ref, layers] : layers_by_ref) listed.insert(layers.begin(), layers.end());
  ImagePruneReport report;
  std::set<std::string> dropped(stale);
  report.layer_refs_removed = stale_records;
  for (const std::string& ref : refs) {
    if (!IsLayerRef(ref) || listed.count(ref)) continue;
    report.layer_refs_removed.push_back(ref);
    dropped.insert(ref);
  }
  if (options.dry_run) {
    // One group per branch with the layers it lists; the layers about to go
    // belong to no group, as after this prune.
    std::vector<std::pair<std::string, std::set<std::string>>> groups;
    for (const auto& [ref, layers] : layers_by_ref) {
      std::set<std::string> members = layers;
      members.insert(ref);
      groups.emplace_back(ref, std::move(members));
    }
    OCITREE_ASSIGN_OR_RETURN(std::vector<SpaceUse> branch_use, ExclusiveUse(store, groups));
    for (SpaceUse& use : branch_use) {
      for (const std::string& layer : layers_by_ref[use.name])
        if (layer.rfind(kLayerRefPrefix, 0) == 0) use.layers++;
      report.branches.push_back(use);
    }
    // Then each layer about to go (with its recipe) beside the branches:
    // what this prune frees through it.
    size_t first_layer = groups.size();
    for (const std::string& ref : dropped) {
      if (!IsLayerRef(ref)) {
        groups.emplace_back(ref, std::set<std::string>{ref});  // a stale record ref
        continue;
      }
      std::string hex = ref.rfind(kLayerRefPrefix, 0) == 0 ? ref.substr(sizeof(kLayerRefPrefix) - 1)
                                                           : ref.substr(sizeof(kRecipeRefPrefix) - 1);
      if (ref.rfind(kRecipeRefPrefix, 0) == 0 && dropped.count(kLayerRefPrefix + hex)) continue;  // with its layer
      std::set<std::string> members{ref};
      if (dropped.count(kRecipeRefPrefix + hex)) members.insert(kRecipeRefPrefix + hex);
      groups.emplace_back(ref, std::move(members));
    }
    OCITREE_ASSIGN_OR_RETURN(std::vector<SpaceUse> use, ExclusiveUse(store, groups));
    report.layers.assign(use.begin() + static_cast<std::ptrdiff_t>(first_layer), use.end());
  }
  OCITREE_ASSIGN_OR_RETURN(report.objects, PruneRepoLocked(store, options, dropped));
  // Refs go after the objects are counted; if we die in between, the next
  // prune finds the same unlisted refs again.
  if (!options.dry_run)
    for (const std::string& ref : dropped) OCITREE_RETURN_IF_ERROR(store.DeleteRef(ref));
  return report;
}

}  // namespace ocitree
