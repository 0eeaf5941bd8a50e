#include "repo/commit_object.h"

#include "gvariant/builder.h"
#include "gvariant/view.h"

namespace ocitree {

namespace gv = gvariant;

Bytes SerializeCommit(const CommitObject& c) {
  Bytes parent;
  if (c.parent) parent.assign(c.parent->bytes.begin(), c.parent->bytes.end());
  return gv::TupleBuilder()
      .Add("a{sv}", c.metadata)
      .Add("ay", parent)
      .Add("a(say)", {})
      .Add("s", gv::String(c.subject))
      .Add("s", gv::String(c.body))
      .Add("t", gv::Uint64(ToBigEndian64(c.timestamp)))
      .Add("ay", c.root_tree.span())
      .Add("ay", c.root_meta.span())
      .Finish();
}

Result<CommitObject> ParseCommit(ByteView bytes) {
  OCITREE_ASSIGN_OR_RETURN(gv::View v, gv::View::Parse("(a{sv}aya(say)sstayay)", bytes));
  CommitObject c;
  gv::View meta = v.Child(0);
  for (size_t i = 0; i < meta.NumChildren(); i++)
    if (meta.Child(i).Child(0).GetString().empty()) return Corrupt("commit metadata has an empty key");
  ByteView md = meta.data();
  c.metadata.assign(md.begin(), md.end());
  ByteView parent = v.Child(1).GetBytes();
  if (!parent.empty()) {
    OCITREE_ASSIGN_OR_RETURN(Checksum p, Checksum::FromBytes(parent));
    c.parent = p;
  }
  c.subject = std::string(v.Child(3).GetString());
  c.body = std::string(v.Child(4).GetString());
  c.timestamp = FromBigEndian64(v.Child(5).GetUint64());
  OCITREE_ASSIGN_OR_RETURN(c.root_tree, Checksum::FromBytes(v.Child(6).GetBytes()));
  OCITREE_ASSIGN_OR_RETURN(c.root_meta, Checksum::FromBytes(v.Child(7).GetBytes()));
  return c;
}

MetadataBuilder& MetadataBuilder::SetString(const std::string& key, std::string_view value) {
  return Set(key, "s", gv::String(value));
}

MetadataBuilder& MetadataBuilder::SetStringArray(const std::string& key, const std::vector<std::string>& values) {
  gv::ArrayBuilder array("s");
  for (const auto& s : values) array.Add(gv::String(s));
  return Set(key, "as", array.Finish());
}

MetadataBuilder& MetadataBuilder::Set(const std::string& key, std::string type, Bytes value) {
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.type = std::move(type);
      e.value = std::move(value);
      return *this;
    }
  }
  entries_.push_back({key, std::move(type), std::move(value)});
  return *this;
}

Bytes MetadataBuilder::Finish() const {
  gv::ArrayBuilder array("{sv}");
  for (const Entry& e : entries_)
    array.Add(gv::TupleBuilder().Add("s", gv::String(e.key)).Add("v", gv::Variant(e.type, e.value)).Finish());
  return array.Finish();
}

}  // namespace ocitree
