// ocitree::Repo: the public facade; each verb lives in its own file.
#include "ocitree/repo.h"

#include "gvariant/view.h"
#include "repo/checkout.h"
#include "repo/commit.h"
#include "repo/diff.h"
#include "repo/fsck.h"
#include "repo/list.h"
#include "repo/object_store.h"
#include "repo/prune.h"

namespace ocitree {

Repo::Repo(std::unique_ptr<ObjectStore> store) : store_(std::move(store)) {}
Repo::Repo(Repo&&) noexcept = default;
Repo& Repo::operator=(Repo&&) noexcept = default;
Repo::~Repo() = default;

Result<Repo> Repo::Create(const std::string& path, RepoMode mode) {
  OCITREE_ASSIGN_OR_RETURN(auto store, ObjectStore::Create(path, mode));
  return Repo(std::move(store));
}

Result<Repo> Repo::Open(const std::string& path) {
  OCITREE_ASSIGN_OR_RETURN(auto store, ObjectStore::Open(path));
  return Repo(std::move(store));
}

RepoMode Repo::mode() const { return store_->mode(); }
const std::string& Repo::path() const { return store_->path(); }

Result<std::string> Repo::ResolveRev(std::string_view rev) const {
  OCITREE_ASSIGN_OR_RETURN(Checksum c, store_->ResolveRev(rev));
  return c.Hex();
}

Result<std::vector<std::string>> Repo::ListRefs() const { return store_->ListRefs(); }
Status Repo::DeleteRef(std::string_view ref) { return store_->DeleteRef(ref); }
Result<CommitResult> Repo::Commit(const CommitOptions& options) { return CommitTree(*store_, options); }

Result<CheckoutStats> Repo::Checkout(std::string_view rev, const std::string& destination,
                                     const CheckoutOptions& options) {
  OCITREE_ASSIGN_OR_RETURN(Checksum c, store_->ResolveRev(rev));
  return CheckoutCommit(*store_, c, destination, options);
}

Result<FsckReport> Repo::Fsck() { return FsckRepo(*store_); }
Result<PruneReport> Repo::Prune(const PruneOptions& options) { return PruneRepo(*store_, options); }

Result<CommitInfo> Repo::ReadCommit(std::string_view rev) const {
  OCITREE_ASSIGN_OR_RETURN(Checksum c, store_->ResolveRev(rev));
  OCITREE_ASSIGN_OR_RETURN(CommitObject commit, store_->ReadCommit(c));
  CommitInfo info;
  info.checksum = c.Hex();
  if (commit.parent) info.parent = commit.parent->Hex();
  info.subject = commit.subject;
  info.body = commit.body;
  info.timestamp = commit.timestamp;
  info.root_tree = commit.root_tree.Hex();
  info.root_meta = commit.root_meta.Hex();
  Sha256 content;
  content.Update(commit.root_tree.span());
  content.Update(commit.root_meta.span());
  info.content_checksum = content.Finish().Hex();
  OCITREE_ASSIGN_OR_RETURN(gvariant::View meta, gvariant::View::Parse("a{sv}", commit.metadata));
  for (size_t i = 0; i < meta.NumChildren(); i++) {
    gvariant::View entry = meta.Child(i);
    gvariant::View value = entry.Child(1).GetVariant();
    if (entry.Child(0).GetString() == "version" && value.type() == "s") info.version = std::string(value.GetString());
    info.metadata.push_back({std::string(entry.Child(0).GetString()), entry.Child(1).GetVariant().ToText()});
  }
  return info;
}

Result<std::vector<TreeEntry>> Repo::List(std::string_view rev, std::string_view path, bool recursive) const {
  OCITREE_ASSIGN_OR_RETURN(Checksum c, store_->ResolveRev(rev));
  return ListTree(*store_, c, path, recursive);
}

Status Repo::Cat(std::string_view rev, std::string_view path, int out_fd) const {
  OCITREE_ASSIGN_OR_RETURN(Checksum c, store_->ResolveRev(rev));
  return CatFile(*store_, c, path, out_fd);
}

Result<std::vector<DiffEntry>> Repo::Diff(std::string_view from, std::string_view to) const {
  OCITREE_ASSIGN_OR_RETURN(Checksum a, store_->ResolveRev(from));
  OCITREE_ASSIGN_OR_RETURN(Checksum b, store_->ResolveRev(to));
  return DiffCommits(*store_, a, b);
}

}  // namespace ocitree
