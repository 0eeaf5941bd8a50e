#include "bridge/tree_tar.h"
#include "base/whiteout.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace ocitree {

namespace {

constexpr size_t kCopyChunk = 256 * 1024;

std::vector<std::pair<std::string, std::string>> TarXattrs(const Xattrs& xattrs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Xattr& x : xattrs) out.emplace_back(x.name, std::string(AsChars(x.value)));
  return out;
}

class TreeTarWriter {
 public:
  TreeTarWriter(const ObjectStore& store, const TreeTarOptions& options, tar::TarWriter& tar, TreeTarStats* stats)
      : store_(store), options_(options), tar_(tar), stats_(stats) {}

  Status Run(const Checksum& root_tree, const Checksum& root_meta) {
    OCITREE_ASSIGN_OR_RETURN(DirMeta meta, store_.ReadDirMeta(root_meta));
    OCITREE_RETURN_IF_ERROR(VisitDir("", root_tree, meta));
    return tar_.Finish();
  }

 private:
  struct Pending {
    std::string path;
    DirMeta meta;
    bool written = false;
  };

  bool Included(std::string_view path) const { return !options_.include || options_.include(path); }

  void Warn(const std::string& kind, const std::string& message) {
    if (warned_.insert(kind).second) stats_->warnings.push_back(message);
  }

  // Writes the directories above (and including) the top of the stack that
  // are not in the tar yet.
  Status WriteAncestors() {
    for (Pending& p : stack_) {
      if (p.written) continue;
      tar::TarWriteEntry e;
      e.path = p.path.empty() ? "./" : p.path + "/";
      e.type = tar::EntryType::kDirectory;
      e.mode = p.meta.mode & 07777;
      e.uid = p.meta.uid;
      e.gid = p.meta.gid;
      e.xattrs = TarXattrs(p.meta.xattrs);
      CheckXattrs(p.meta.xattrs, p.path);
      OCITREE_RETURN_IF_ERROR(tar_.AddEntry(e).WithContext(e.path));
      p.written = true;
      stats_->directories++;
      Count();
    }
    return {};
  }

  void Count() {
    stats_->entries++;
    if (options_.on_entry) options_.on_entry();
  }

  void CheckXattrs(const Xattrs& xattrs, const std::string& path) {
    for (const Xattr& x : xattrs)
      if (x.value.empty())
        Warn("empty-xattr", "xattr " + x.name + " of /" + path +
                                " has an empty value, which a tar (PAX) cannot carry: it is left out, and a pull "
                                "of this image cannot restore the identical commit");
  }

  static Status CheckName(const std::string& name, const std::string& path) {
    if (name.rfind(kWhiteoutPrefix, 0) == 0)
      return InvalidArgument("/" + path + " is named like an OCI whiteout (.wh.*): an image cannot hold it");
    return {};
  }

  Status VisitDir(const std::string& path, const Checksum& tree_c, const DirMeta& meta) {
    stack_.push_back({path, meta, false});
    if (Included(path)) OCITREE_RETURN_IF_ERROR(WriteAncestors());
    OCITREE_ASSIGN_OR_RETURN(DirTree tree, store_.ReadDirTree(tree_c));
    std::string prefix = path.empty() ? "" : path + "/";
    size_t fi = 0, di = 0;
    while (fi < tree.files.size() || di < tree.dirs.size()) {
      bool file = di == tree.dirs.size() || (fi < tree.files.size() && tree.files[fi].name < tree.dirs[di].name);
      if (file) {
        const DirTree::File& f = tree.files[fi++];
        std::string child = prefix + f.name;
        OCITREE_RETURN_IF_ERROR(CheckName(f.name, child));
        if (!Included(child)) continue;
        OCITREE_RETURN_IF_ERROR(WriteAncestors());
        OCITREE_RETURN_IF_ERROR(WriteFile(child, f.content).WithContext("/" + child));
      } else {
        const DirTree::Dir& d = tree.dirs[di++];
        std::string child = prefix + d.name;
        OCITREE_RETURN_IF_ERROR(CheckName(d.name, child));
        OCITREE_ASSIGN_OR_RETURN(DirMeta child_meta, store_.ReadDirMeta(d.meta));
        OCITREE_RETURN_IF_ERROR(VisitDir(child, d.tree, child_meta));
      }
    }
    stack_.pop_back();
    return {};
  }

  Status WriteFile(const std::string& path, const Checksum& content) {
    OCITREE_ASSIGN_OR_RETURN(ContentObject obj, store_.OpenContent(content));
    tar::TarWriteEntry e;
    e.path = path;
    e.mode = obj.meta.mode & 07777;
    e.uid = obj.meta.uid;
    e.gid = obj.meta.gid;
    e.xattrs = TarXattrs(obj.meta.xattrs);
    CheckXattrs(obj.meta.xattrs, path);
    if (obj.meta.is_symlink()) {
      e.type = tar::EntryType::kSymlink;
      e.link_target = obj.meta.symlink_target;
      if (e.mode != 0777)
        Warn("symlink-mode", "symlink /" + path + " has mode " + ToOctal(e.mode) +
                                 ": a pull gives symlinks mode 0777, so it cannot restore the identical commit");
      OCITREE_RETURN_IF_ERROR(tar_.AddEntry(e));
      stats_->symlinks++;
      Count();
      return {};
    }
    if (obj.size > 0) {
      auto [it, first] = written_.emplace(content, path);
      if (!first) {
        e.type = tar::EntryType::kHardlink;
        e.link_target = it->second;
        OCITREE_RETURN_IF_ERROR(tar_.AddEntry(e));
        stats_->hardlinks++;
        Count();
        return {};
      }
    }
    e.type = tar::EntryType::kRegular;
    e.size = obj.size;
    OCITREE_RETURN_IF_ERROR(tar_.AddEntry(e));
    std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(obj.size, kCopyChunk)) + 1);
    uint64_t done = 0;
    for (;;) {
      OCITREE_ASSIGN_OR_RETURN(size_t n, obj.payload->Read(buf));
      if (n == 0) break;
      if (done + n > obj.size) return Corrupt("content object " + content.Hex() + " is longer than it says");
      OCITREE_RETURN_IF_ERROR(tar_.WriteContent(ByteView(buf.data(), n)));
      done += n;
    }
    if (done != obj.size) return Corrupt("content object " + content.Hex() + " is shorter than it says");
    stats_->files++;
    stats_->content_bytes += obj.size;
    Count();
    return {};
  }

  static std::string ToOctal(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", v);
    return buf;
  }

  const ObjectStore& store_;
  const TreeTarOptions& options_;
  tar::TarWriter& tar_;
  TreeTarStats* stats_;
  std::vector<Pending> stack_;
  std::map<Checksum, std::string> written_;  // content -> first path in this tar
  std::set<std::string> warned_;
};

}  // namespace

Status WriteTreeTar(const ObjectStore& store, const Checksum& root_tree, const Checksum& root_meta,
                    const TreeTarOptions& options, tar::TarWriter& tar, TreeTarStats* stats) {
  TreeTarWriter writer(store, options, tar, stats);
  return writer.Run(root_tree, root_meta);
}

}  // namespace ocitree
