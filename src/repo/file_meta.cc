#include "repo/file_meta.h"

#include "gvariant/builder.h"
#include "gvariant/view.h"

namespace ocitree {

namespace gv = gvariant;

Status ValidateFileMeta(const FileMeta& meta) {
  if (!S_ISREG(meta.mode) && !S_ISLNK(meta.mode))
    return Corrupt("content object is neither a regular file nor a symlink (mode 0" + std::to_string(meta.mode) + ")");
  if ((meta.mode & ~(S_IFMT | 07777)) != 0) return Corrupt("content object mode has unknown bits");
  if (S_ISLNK(meta.mode) && meta.symlink_target.empty()) return Corrupt("symlink with an empty target");
  if (S_ISREG(meta.mode) && !meta.symlink_target.empty()) return Corrupt("regular file with a symlink target");
  return {};
}

namespace {

gv::TupleBuilder& AddOwnerModeTarget(gv::TupleBuilder& t, const FileMeta& meta) {
  return t.Add("u", gv::Uint32(ToBigEndian32(meta.uid)))
      .Add("u", gv::Uint32(ToBigEndian32(meta.gid)))
      .Add("u", gv::Uint32(ToBigEndian32(meta.mode)))
      .Add("u", gv::Uint32(0))  // rdev: always 0 in OSTree
      .Add("s", gv::String(meta.symlink_target))
      .Add("a(ayay)", SerializeXattrs(meta.xattrs));
}

Result<FileMeta> FileMetaFromView(const gv::View& v, size_t first) {
  FileMeta meta;
  meta.uid = FromBigEndian32(v.Child(first).GetUint32());
  meta.gid = FromBigEndian32(v.Child(first + 1).GetUint32());
  meta.mode = FromBigEndian32(v.Child(first + 2).GetUint32());
  if (v.Child(first + 3).GetUint32() != 0) return Corrupt("content header has a nonzero rdev");
  meta.symlink_target = std::string(v.Child(first + 4).GetString());
  OCITREE_ASSIGN_OR_RETURN(meta.xattrs, ParseXattrs(v.Child(first + 5)));
  OCITREE_RETURN_IF_ERROR(ValidateFileMeta(meta));
  return meta;
}

}  // namespace

Bytes SerializeFileHeader(const FileMeta& meta) {
  gv::TupleBuilder t;
  return AddOwnerModeTarget(t, meta).Finish();
}

Bytes SerializeArchiveHeader(const FileMeta& meta, uint64_t size) {
  gv::TupleBuilder t;
  t.Add("t", gv::Uint64(ToBigEndian64(size)));
  return AddOwnerModeTarget(t, meta).Finish();
}

Bytes LengthPrefixed(const Bytes& header) {
  Bytes out;
  out.reserve(header.size() + 8);
  AppendBigEndian32(out, static_cast<uint32_t>(header.size()));
  out.insert(out.end(), 4, 0);
  out.insert(out.end(), header.begin(), header.end());
  return out;
}

Result<FileMeta> ParseFileHeader(ByteView header) {
  OCITREE_ASSIGN_OR_RETURN(gv::View v, gv::View::Parse("(uuuusa(ayay))", header));
  return FileMetaFromView(v, 0);
}

Result<FileMeta> ParseArchiveHeader(ByteView header, uint64_t* size) {
  OCITREE_ASSIGN_OR_RETURN(gv::View v, gv::View::Parse("(tuuuusa(ayay))", header));
  *size = FromBigEndian64(v.Child(0).GetUint64());
  return FileMetaFromView(v, 1);
}

void ContentHasher::Begin(const FileMeta& meta) {
  sha_.Update(LengthPrefixed(SerializeFileHeader(meta)));
}

Bytes SerializeDirMeta(const DirMeta& meta) {
  return gv::TupleBuilder()
      .Add("u", gv::Uint32(ToBigEndian32(meta.uid)))
      .Add("u", gv::Uint32(ToBigEndian32(meta.gid)))
      .Add("u", gv::Uint32(ToBigEndian32(meta.mode)))
      .Add("a(ayay)", SerializeXattrs(meta.xattrs))
      .Finish();
}

Result<DirMeta> ParseDirMeta(ByteView bytes) {
  OCITREE_ASSIGN_OR_RETURN(gv::View v, gv::View::Parse("(uuua(ayay))", bytes));
  DirMeta meta;
  meta.uid = FromBigEndian32(v.Child(0).GetUint32());
  meta.gid = FromBigEndian32(v.Child(1).GetUint32());
  meta.mode = FromBigEndian32(v.Child(2).GetUint32());
  if (!S_ISDIR(meta.mode) || (meta.mode & ~(S_IFMT | 07777)) != 0)
    return Corrupt("dirmeta mode is not a directory mode");
  OCITREE_ASSIGN_OR_RETURN(meta.xattrs, ParseXattrs(v.Child(3)));
  return meta;
}

}  // namespace ocitree
