#include "repo/dirtree.h"

#include <algorithm>

#include "gvariant/builder.h"
#include "gvariant/view.h"

namespace ocitree {

namespace gv = gvariant;

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; k++) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF, as glib does.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

bool IsValidFileName(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) return false;
  return IsValidUtf8(name);
}

template <typename T>
static const T* FindByName(const std::vector<T>& list, std::string_view name) {
  auto it = std::lower_bound(list.begin(), list.end(), name,
                             [](const T& e, std::string_view n) { return std::string_view(e.name) < n; });
  return it != list.end() && it->name == name ? &*it : nullptr;
}

const DirTree::File* DirTree::FindFile(std::string_view name) const { return FindByName(files, name); }
const DirTree::Dir* DirTree::FindDir(std::string_view name) const { return FindByName(dirs, name); }

Bytes SerializeDirTree(const DirTree& tree) {
  gv::ArrayBuilder files("(say)");
  for (const auto& f : tree.files)
    files.Add(gv::TupleBuilder().Add("s", gv::String(f.name)).Add("ay", f.content.span()).Finish());
  gv::ArrayBuilder dirs("(sayay)");
  for (const auto& d : tree.dirs)
    dirs.Add(gv::TupleBuilder()
                 .Add("s", gv::String(d.name))
                 .Add("ay", d.tree.span())
                 .Add("ay", d.meta.span())
                 .Finish());
  return gv::TupleBuilder().Add("a(say)", files.Finish()).Add("a(sayay)", dirs.Finish()).Finish();
}

namespace {

Status CheckName(std::string_view name, std::string_view previous, bool first) {
  if (!IsValidFileName(name)) return Corrupt("invalid file name in dirtree: '" + std::string(name) + "'");
  if (!first && !(previous < name)) return Corrupt("dirtree names not sorted: '" + std::string(name) + "'");
  return {};
}

}  // namespace

Result<DirTree> ParseDirTree(ByteView bytes) {
  OCITREE_ASSIGN_OR_RETURN(gv::View v, gv::View::Parse("(a(say)a(sayay))", bytes));
  DirTree tree;
  gv::View files = v.Child(0);
  tree.files.reserve(files.NumChildren());
  for (size_t i = 0; i < files.NumChildren(); i++) {
    gv::View e = files.Child(i);
    std::string_view name = e.Child(0).GetString();
    OCITREE_RETURN_IF_ERROR(CheckName(name, i ? tree.files.back().name : "", i == 0));
    OCITREE_ASSIGN_OR_RETURN(Checksum c, Checksum::FromBytes(e.Child(1).GetBytes()));
    tree.files.push_back({std::string(name), c});
  }
  gv::View dirs = v.Child(1);
  tree.dirs.reserve(dirs.NumChildren());
  for (size_t i = 0; i < dirs.NumChildren(); i++) {
    gv::View e = dirs.Child(i);
    std::string_view name = e.Child(0).GetString();
    OCITREE_RETURN_IF_ERROR(CheckName(name, i ? tree.dirs.back().name : "", i == 0));
    if (tree.FindFile(name)) return Corrupt("dirtree lists '" + std::string(name) + "' as file and directory");
    OCITREE_ASSIGN_OR_RETURN(Checksum t, Checksum::FromBytes(e.Child(1).GetBytes()));
    OCITREE_ASSIGN_OR_RETURN(Checksum m, Checksum::FromBytes(e.Child(2).GetBytes()));
    tree.dirs.push_back({std::string(name), t, m});
  }
  return tree;
}

}  // namespace ocitree
