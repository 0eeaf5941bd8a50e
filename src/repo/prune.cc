#include "repo/prune.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "repo/repo_lock.h"

namespace ocitree {

namespace {

using Reachable = std::set<std::pair<ObjectType, Checksum>>;

Status MarkTree(const ObjectStore& store, const Checksum& tree_c, const Checksum& meta_c, Reachable* reachable) {
  reachable->insert({ObjectType::kDirMeta, meta_c});
  if (!reachable->insert({ObjectType::kDirTree, tree_c}).second) return {};
  auto tree = store.ReadDirTree(tree_c);
  if (!tree.ok()) return tree.status().code() == ErrorCode::kNotFound ? Status() : tree.status();
  for (const auto& f : tree->files) reachable->insert({ObjectType::kFile, f.content});
  for (const auto& d : tree->dirs) OCITREE_RETURN_IF_ERROR(MarkTree(store, d.tree, d.meta, reachable));
  return {};
}

}  // namespace

Status MarkReachable(const ObjectStore& store, const Checksum& commit_c, Reachable* reachable) {
  std::optional<Checksum> next = commit_c;
  while (next) {
    Checksum c = *next;
    next.reset();
    if (!reachable->insert({ObjectType::kCommit, c}).second) break;
    reachable->insert({ObjectType::kCommitMeta, c});
    auto commit = store.ReadCommit(c);
    if (!commit.ok()) {
      if (commit.status().code() == ErrorCode::kNotFound) break;
      return commit.status();
    }
    OCITREE_RETURN_IF_ERROR(MarkTree(store, commit->root_tree, commit->root_meta, reachable));
    next = commit->parent;
  }
  return {};
}

Result<PruneReport> PruneRepo(ObjectStore& store, const PruneOptions& options) {
  OCITREE_ASSIGN_OR_RETURN(RepoLock lock, RepoLock::Acquire(store.dirfd(), RepoLock::Kind::kExclusive));
  return PruneRepoLocked(store, options, {});
}

Result<PruneReport> PruneRepoLocked(ObjectStore& store, const PruneOptions& options,
                                    const std::set<std::string>& ignored_refs) {
  Reachable reachable;
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> refs, store.ListRefs());
  for (const std::string& ref : refs) {
    if (ignored_refs.count(ref)) continue;
    OCITREE_ASSIGN_OR_RETURN(std::optional<Checksum> target, store.ReadRef(ref));
    if (target) OCITREE_RETURN_IF_ERROR(MarkReachable(store, *target, &reachable).WithContext("ref " + ref));
  }
  PruneReport report;
  OCITREE_ASSIGN_OR_RETURN(auto objects, store.ListObjects());
  // Unreachable commits go first, and are made durable before anything they
  // name is deleted: a prune killed half way then leaves orphan trees and
  // files (which fsck does not mind), never a commit with missing objects.
  auto first_other = std::stable_partition(objects.begin(), objects.end(),
                                           [](const auto& o) { return o.type == ObjectType::kCommit; });
  bool commits_deleted = false;
  for (auto it = objects.begin(); it != objects.end(); ++it) {
    const auto& o = *it;
    if (it == first_other && commits_deleted && !options.dry_run && store.fsync_enabled() &&
        syncfs(store.dirfd()) != 0)
      return Status::FromErrno("sync repository", errno);
    report.objects_total++;
    if (reachable.count({o.type, o.checksum})) continue;
    report.objects_unreachable++;
    std::string rel = LooseObjectPath(o.checksum, o.type, store.mode());
    struct stat st;
    if (fstatat(store.dirfd(), rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
      report.bytes_freed += static_cast<uint64_t>(st.st_size);
    if (options.dry_run) continue;
    if (unlinkat(store.dirfd(), rel.c_str(), 0) != 0 && errno != ENOENT)
      return Status::FromErrno("delete " + rel, errno);
    if (o.type == ObjectType::kCommit) {
      unlinkat(store.dirfd(), ("state/" + o.checksum.Hex() + ".commitpartial").c_str(), 0);
      commits_deleted = true;
    }
  }
  if (!options.dry_run && store.fsync_enabled()) syncfs(store.dirfd());
  return report;
}

}  // namespace ocitree
