#include "bridge/image_metadata.h"

#include "gvariant/view.h"
#include "repo/dirtree.h"

namespace ocitree {

Result<Bytes> BuildImageMetadata(const ImageRecord& r, const std::string& branch) {
  // GVariant strings must be UTF-8 without NUL; JSON documents are.
  for (const std::string* s : {&r.manifest, &r.config, &r.reference})
    if (!IsValidUtf8(*s) || s->find('\0') != std::string::npos)
      return Corrupt("image document is not UTF-8 text and cannot be recorded");
  MetadataBuilder m;
  m.SetString(kMetaReference, r.reference)
      .SetString(kMetaManifestDigest, r.manifest_digest)
      .SetString(kMetaManifest, r.manifest)
      .SetString(kMetaConfig, r.config)
      .SetStringArray(kMetaDiffIds, r.diff_ids)
      .SetString(kMetaStorage, r.storage);
  if (!r.architecture.empty()) m.SetString(kMetaArchitecture, r.architecture);
  m.SetStringArray("ostree.ref-binding", {branch});
  return m.Finish();
}

Result<bool> ReadImageRecord(const CommitObject& commit, ImageRecord* r) {
  OCITREE_ASSIGN_OR_RETURN(gvariant::View meta, gvariant::View::Parse("a{sv}", commit.metadata));
  auto get = [&](const char* key, std::string* out) {
    gvariant::View v;
    if (!gvariant::LookupVariant(meta, key, &v) || v.type() != "s") return false;
    *out = std::string(v.GetString());
    return true;
  };
  if (!get(kMetaManifestDigest, &r->manifest_digest)) return false;
  get(kMetaReference, &r->reference);
  get(kMetaManifest, &r->manifest);
  get(kMetaConfig, &r->config);
  get(kMetaStorage, &r->storage);
  get(kMetaArchitecture, &r->architecture);
  gvariant::View ids;
  r->diff_ids.clear();
  if (gvariant::LookupVariant(meta, kMetaDiffIds, &ids) && ids.type() == "as")
    for (size_t i = 0; i < ids.NumChildren(); i++) r->diff_ids.emplace_back(ids.Child(i).GetString());
  return true;
}

}  // namespace ocitree
