// Commit from an uncompressed tar file (ostree commit --tree=tar=).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "base/log.h"
#include "repo/commit.h"
#include "repo/dirtree.h"
#include "repo/tree_path.h"
#include "tar/tar_reader.h"

namespace ocitree {

namespace {

Result<std::string> NormalizeTarPath(const std::string& raw) {
  OCITREE_ASSIGN_OR_RETURN(std::vector<std::string> parts, NormalizeArchivePath(raw));
  return JoinTreePath(parts);
}

Xattrs XattrsFromTar(const tar::Entry& e) {
  Xattrs out;
  for (const auto& [name, value] : e.xattrs)
    if (!value.empty()) out.push_back({name, Bytes(value.begin(), value.end())});
  return out;
}

class TarTreeBuilder {
 public:
  TarTreeBuilder(Transaction& txn, MutableTree* root, CommitResult* stats)
      : txn_(txn), mode_(txn.store().mode()), root_(root), stats_(stats) {}

  Status Add(tar::TarReader& reader, const tar::Entry& e) {
    OCITREE_ASSIGN_OR_RETURN(std::string path, NormalizeTarPath(e.path));
    if (e.type == tar::EntryType::kDirectory) return AddDirectory(path, e);
    if (path.empty()) return InvalidArgument("a non-directory entry names the root: " + e.path);
    size_t slash = path.rfind('/');
    std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    OCITREE_ASSIGN_OR_RETURN(MutableTree * dir, root_->EnsurePath(parent, DirMeta{}));
    Checksum content;
    switch (e.type) {
      case tar::EntryType::kHardlink: {
        OCITREE_ASSIGN_OR_RETURN(std::string target, NormalizeTarPath(e.link_target));
        auto it = files_.find(target);
        if (it == files_.end())
          return InvalidArgument("hardlink " + e.path + " points to " + e.link_target + ", which is not an earlier file of the archive");
        content = it->second;
        break;
      }
      case tar::EntryType::kRegular:
      case tar::EntryType::kSymlink: {
        OCITREE_ASSIGN_OR_RETURN(content, WriteFile(reader, e));
        break;
      }
      default:
        stats_->entries_skipped++;
        LogWarning("skipping " + std::string(tar::EntryTypeName(e.type)) + " " + e.path +
                   ": OSTree stores only regular files, symlinks and directories");
        return {};
    }
    files_[path] = content;
    return dir->SetFile(name, content);
  }

 private:
  Status AddDirectory(const std::string& path, const tar::Entry& e) {
    OCITREE_ASSIGN_OR_RETURN(MutableTree * dir, root_->EnsurePath(path, DirMeta{}));
    DirMeta meta{e.uid, e.gid, S_IFDIR | (e.mode & 07777), XattrsFromTar(e)};
    OCITREE_RETURN_IF_ERROR(CanonicalizeXattrs(&meta.xattrs).WithContext(e.path));
    CanonicalizeForMode(mode_, &meta);
    return dir->SetMeta(meta);
  }

  Result<Checksum> WriteFile(tar::TarReader& reader, const tar::Entry& e) {
    FileMeta meta;
    meta.uid = e.uid;
    meta.gid = e.gid;
    meta.xattrs = XattrsFromTar(e);
    OCITREE_RETURN_IF_ERROR(CanonicalizeXattrs(&meta.xattrs).WithContext(e.path));
    if (e.type == tar::EntryType::kSymlink) {
      if (e.link_target.empty()) return InvalidArgument("symlink with an empty target: " + e.path);
      if (!IsValidUtf8(e.link_target)) return InvalidArgument("symlink target is not valid UTF-8: " + e.path);
      meta.mode = S_IFLNK | 0777;
      meta.symlink_target = e.link_target;
    } else {
      meta.mode = S_IFREG | (e.mode & 07777);
    }
    CanonicalizeForMode(mode_, &meta);
    uint64_t size = e.type == tar::EntryType::kRegular ? e.size : 0;
    auto written = txn_.WriteContent(meta, reader.content(), size);
    if (!written.ok()) return written.status().WithContext(e.path);
    (written->existed ? stats_->content_existing : stats_->content_written)++;
    if (!written->existed) stats_->bytes_written += size;
    return written->checksum;
  }

  Transaction& txn_;
  RepoMode mode_;
  MutableTree* root_;
  CommitResult* stats_;
  std::map<std::string, Checksum> files_;  // for hardlinks to earlier entries
};

}  // namespace

Status BuildTreeFromTar(Transaction& txn, const std::string& tar_path, MutableTree* root, CommitResult* stats) {
  UniqueFd fd(open(tar_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open " + tar_path, errno);
  FdReader file(fd.get(), tar_path);
  tar::TarReader reader(file);
  TarTreeBuilder builder(txn, root, stats);
  tar::Entry entry;
  for (;;) {
    auto more = reader.Next(&entry);
    if (!more.ok()) return more.status().WithContext(tar_path);
    if (!*more) return {};
    OCITREE_RETURN_IF_ERROR(builder.Add(reader, entry).WithContext(tar_path));
  }
}

}  // namespace ocitree
