// Fuzzes the OCI document parsers of src/oci with arbitrary bytes: image
// manifest, image index (and index.json lookups), image config, standalone
// descriptor, document-kind detection and the layout header; json_doc.cc is
// under all of them. Every parser must return a clear error or a value, and
// the parsers must agree with each other: a document is never both a
// manifest and an index, and the kind detector names what parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "oci/descriptor.h"
#include "oci/document_kind.h"
#include "oci/image_config.h"
#include "oci/index.h"
#include "oci/layout_index.h"
#include "oci/limits.h"
#include "oci/manifest.h"
#include "oci/media_types.h"

namespace ocitree::fuzz {
namespace {

void CheckDescriptor(const oci::Descriptor& d) {
  FUZZ_CHECK(!d.media_type.empty());
  (void)d.Annotation(oci::kRefNameAnnotation);
  (void)oci::ClassifyLayer(d.media_type);
  if (d.platform) (void)d.platform->ToString();
}

void FuzzDocuments(ByteView input, std::string_view hint) {
  Bytes bytes(input.begin(), input.end());
  Result<oci::DocumentKind> kind = oci::DetectDocumentKind(input, hint);
  if (!kind.ok()) CheckError(kind.status());

  Result<oci::Manifest> manifest = oci::Manifest::Parse(bytes, hint);
  if (manifest.ok()) {
    FUZZ_CHECK(manifest->raw == bytes);
    FUZZ_CHECK(kind.ok() && *kind == oci::DocumentKind::kManifest);
    CheckDescriptor(manifest->config);
    for (const auto& layer : manifest->layers) CheckDescriptor(layer);
    if (manifest->subject) CheckDescriptor(*manifest->subject);
    (void)manifest->digest();
  } else {
    CheckError(manifest.status());
  }

  Result<oci::Index> index = oci::Index::Parse(bytes, hint);
  if (index.ok()) {
    FUZZ_CHECK(index->raw == bytes);
    FUZZ_CHECK(!manifest.ok());
    FUZZ_CHECK(kind.ok() && *kind == oci::DocumentKind::kIndex);
    for (const auto& m : index->manifests) CheckDescriptor(m);
    for (std::string_view tag : {"", "latest", "v1"}) {
      Result<oci::Descriptor> entry = oci::FindImageEntry(*index, tag, "index.json");
      if (!entry.ok()) CheckError(entry.status());
    }
  } else {
    CheckError(index.status());
  }
}

}  // namespace
}  // namespace ocitree::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocitree;
  ByteView input(data, size);
  fuzz::FuzzDocuments(input, "");
  fuzz::FuzzDocuments(input, oci::kDockerManifestType);

  Result<oci::ImageConfig> config = oci::ImageConfig::Parse(Bytes(input.begin(), input.end()));
  if (config.ok()) {
    FUZZ_CHECK(config->raw.size() == size);
    FUZZ_CHECK(config->diff_ids.size() <= oci::kMaxEntries);
    (void)config->platform().ToString();
  } else {
    fuzz::CheckError(config.status());
  }

  Result<oci::Descriptor> descriptor = oci::Descriptor::Parse(input);
  if (descriptor.ok()) {
    fuzz::CheckDescriptor(*descriptor);
  } else {
    fuzz::CheckError(descriptor.status());
  }

  Status header = oci::CheckLayoutHeader(input, "oci-layout");
  if (!header.ok()) fuzz::CheckError(header);
  return 0;
}
