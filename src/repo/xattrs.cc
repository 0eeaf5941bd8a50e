#include "repo/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "gvariant/builder.h"

namespace ocitree {

Status CanonicalizeXattrs(Xattrs* xattrs) {
  std::sort(xattrs->begin(), xattrs->end(),
            [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
  for (size_t i = 0; i < xattrs->size(); i++) {
    const std::string& name = (*xattrs)[i].name;
    if (name.empty() || name.find('\0') != std::string::npos)
      return InvalidArgument("invalid xattr name '" + name + "'");
    if (i > 0 && (*xattrs)[i - 1].name == name) return InvalidArgument("duplicate xattr " + name);
  }
  return {};
}

Bytes SerializeXattrs(const Xattrs& xattrs) {
  gvariant::ArrayBuilder array("(ayay)");
  for (const Xattr& x : xattrs) {
    Bytes name(x.name.begin(), x.name.end());
    name.push_back(0);
    array.Add(gvariant::TupleBuilder().Add("ay", name).Add("ay", x.value).Finish());
  }
  return array.Finish();
}

Result<Xattrs> ParseXattrs(const gvariant::View& view) {
  Xattrs out;
  size_t n = view.NumChildren();
  out.reserve(n);
  for (size_t i = 0; i < n; i++) {
    gvariant::View element = view.Child(i);
    ByteView name = element.Child(0).GetBytes();
    if (name.size() < 2 || name.back() != 0) return Corrupt("xattr name is not NUL-terminated");
    std::string s(AsChars(name.first(name.size() - 1)));
    if (s.find('\0') != std::string::npos) return Corrupt("xattr name has an interior NUL");
    ByteView value = element.Child(1).GetBytes();
    out.push_back({std::move(s), Bytes(value.begin(), value.end())});
  }
  return out;
}

namespace {

// Lists and reads xattrs through the given syscall wrappers; retries when
// the list grows between the two calls.
template <typename ListFn, typename GetFn>
Result<Xattrs> ReadXattrsWith(ListFn list, GetFn get, const std::string& what) {
  for (int attempt = 0; attempt < 8; attempt++) {
    ssize_t len = list(nullptr, 0);
    if (len < 0) {
      if (errno == ENOTSUP) return Xattrs{};
      return Status::FromErrno("list xattrs of " + what, errno);
    }
    std::string names(static_cast<size_t>(len), '\0');
    len = list(names.data(), names.size());
    if (len < 0) {
      if (errno == ERANGE) continue;
      return Status::FromErrno("list xattrs of " + what, errno);
    }
    names.resize(static_cast<size_t>(len));
    Xattrs out;
    bool retry = false;
    for (size_t pos = 0; pos < names.size();) {
      size_t end = names.find('\0', pos);
      if (end == std::string::npos) end = names.size();
      std::string name = names.substr(pos, end - pos);
      pos = end + 1;
      if (name.empty()) continue;
      ssize_t vlen = get(name.c_str(), nullptr, 0);
      if (vlen < 0) {
        if (errno == ENODATA) continue;  // removed meanwhile
        return Status::FromErrno("read xattr " + name + " of " + what, errno);
      }
      Bytes value(static_cast<size_t>(vlen));
      vlen = get(name.c_str(), value.data(), value.size());
      if (vlen < 0) {
        if (errno == ERANGE) { retry = true; break; }
        return Status::FromErrno("read xattr " + name + " of " + what, errno);
      }
      value.resize(static_cast<size_t>(vlen));
      if (value.empty()) continue;
      out.push_back({std::move(name), std::move(value)});
    }
    if (retry) continue;
    OCITREE_RETURN_IF_ERROR(CanonicalizeXattrs(&out));
    return out;
  }
  return Status::Error(ErrorCode::kIo, "xattrs of " + what + " kept changing while read");
}

}  // namespace

Result<Xattrs> ReadXattrsFd(int fd) {
  return ReadXattrsWith([fd](char* buf, size_t n) { return flistxattr(fd, buf, n); },
                        [fd](const char* name, void* buf, size_t n) { return fgetxattr(fd, name, buf, n); },
                        "fd " + std::to_string(fd));
}

Result<Xattrs> ReadXattrsPath(const std::string& path, bool follow) {
  const char* p = path.c_str();
  if (follow)
    return ReadXattrsWith([p](char* buf, size_t n) { return listxattr(p, buf, n); },
                          [p](const char* name, void* buf, size_t n) { return getxattr(p, name, buf, n); }, path);
  return ReadXattrsWith([p](char* buf, size_t n) { return llistxattr(p, buf, n); },
                        [p](const char* name, void* buf, size_t n) { return lgetxattr(p, name, buf, n); }, path);
}

Status WriteXattrsFd(int fd, const Xattrs& xattrs) {
  for (const Xattr& x : xattrs)
    if (fsetxattr(fd, x.name.c_str(), x.value.data(), x.value.size(), 0) != 0)
      return Status::FromErrno("set xattr " + x.name, errno);
  return {};
}

Status WriteXattrsPath(const std::string& path, const Xattrs& xattrs) {
  for (const Xattr& x : xattrs)
    if (lsetxattr(path.c_str(), x.name.c_str(), x.value.data(), x.value.size(), 0) != 0)
      return Status::FromErrno("set xattr " + x.name + " on " + path, errno);
  return {};
}

}  // namespace ocitree
