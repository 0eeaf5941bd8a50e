// PruneImages: layer refs live as long as an image commit lists them.
#include <set>

#include "bridge/image_metadata.h"
#include "bridge/layer_commit.h"
#include "ocitree/image.h"
#include "repo/object_store.h"
#include "repo/prune.h"
#include "repo/repo_lock.h"

namespace ocitree {

namespace {

bool IsLayerRef(const std::string& ref) { return ref.rfind(kLayerRefPrefix, 0) == 0; }

// diff_ids listed by any image commit reachable from a non-layer ref.
Result<std::set<std::string>> ListedLayerRefs(const ObjectStore& store, const std::vector<std::string>& refs) {
  std::set<std::string> listed;
  std::set<Checksum> seen;
  for (const std::string& ref : refs) {
    if (IsLayerRef(ref)) continue;
    OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> next, store.ReadRef(ref));
    while (next && seen.insert(*next).second) {
      auto commit = store.ReadCommit(*next);
      if (!commit.ok()) break;  // history pruned below here
      ImageRecord record;
      OCITREE_ASSIGN_OR_RETURN(bool is_image, ReadImageRecord(*commit, &record));
      if (is_image) {
        for (const std::string& d : record.diff_ids) {
          auto digest = oci::Digest::Parse(d);
          if (digest.ok()) listed.insert(LayerRef(*digest));
        }
      }
      next = commit->parent;
    }
  }
  return listed;
}

}  // namespace

Result<ImagePruneReport> PruneImages(Repo& repo, const PruneOptions& options) {
  ObjectStore& store = repo.store();
  OCITREE_ASSIGN_OR_RETURN(RepoLock lock, RepoLock::Acquire(store.dirfd(), RepoLock::Kind::kExclusive));
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  OCITREE_ASSIGN_OR_RETURN(std::set<std::string> listed, ListedLayerRefs(store, refs));
  ImagePruneReport report;
  std::set<std::string> dropped;
  for (const std::string& ref : refs) {
    if (!IsLayerRef(ref) || listed.count(ref)) continue;
    report.layer_refs_removed.push_back(ref);
    dropped.insert(ref);
  }
  OCITREE_ASSIGN_OR_RETURN(report.objects, PruneRepoLocked(store, options, dropped));
  // Refs go after the objects are counted; if we die in between, the next
  // prune finds the same unlisted refs again.
  if (!options.dry_run)
    for (const std::string& ref : dropped) OCITREE_RETURN_IF_ERROR(store.DeleteRef(ref));
  return report;
}

}  // namespace ocitree
