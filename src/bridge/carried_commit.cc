#include "bridge/carried_commit.h"

#include "base/base64.h"
#include "gvariant/view.h"

namespace ocitree {

std::map<std::string, std::string> CarriedCommitLabels(const Checksum& checksum, ByteView object,
                                                       const std::optional<Bytes>& detached) {
  std::map<std::string, std::string> labels;
  labels[kLabelOstreeCommit] = checksum.Hex();
  labels[kLabelCommitObject] = Base64Encode(AsChars(object));
  if (detached) labels[kLabelDetachedMetadata] = Base64Encode(AsChars(*detached));
  return labels;
}

Result<std::optional<CarriedCommit>> ReadCarriedCommit(const std::map<std::string, std::string>& labels) {
  auto object = labels.find(kLabelCommitObject);
  if (object == labels.end()) return std::optional<CarriedCommit>();
  CarriedCommit out;
  auto decoded = Base64Decode(object->second);
  if (!decoded.ok()) return decoded.status().WithContext(std::string("label ") + kLabelCommitObject);
  out.object = Bytes(decoded->begin(), decoded->end());
  out.checksum = Sha256::Of(out.object);
  auto named = labels.find(kLabelOstreeCommit);
  if (named == labels.end())
    return Corrupt(std::string("the image has ") + kLabelCommitObject + " but no " + kLabelOstreeCommit + " label");
  if (named->second != out.checksum.Hex())
    return Corrupt(std::string("the commit object in ") + kLabelCommitObject + " has checksum " + out.checksum.Hex() +
                   ", not " + named->second + " as " + kLabelOstreeCommit + " says");
  auto parsed = ParseCommit(out.object);
  if (!parsed.ok()) return parsed.status().WithContext(std::string("label ") + kLabelCommitObject);
  out.commit = std::move(*parsed);
  if (auto d = labels.find(kLabelDetachedMetadata); d != labels.end()) {
    auto bytes = Base64Decode(d->second);
    if (!bytes.ok()) return bytes.status().WithContext(std::string("label ") + kLabelDetachedMetadata);
    Bytes meta(bytes->begin(), bytes->end());
    auto view = gvariant::View::Parse("a{sv}", meta);
    if (!view.ok()) return view.status().WithContext(std::string("label ") + kLabelDetachedMetadata);
    out.detached = std::move(meta);
  }
  return std::optional<CarriedCommit>(std::move(out));
}

}  // namespace ocitree
