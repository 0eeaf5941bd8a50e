// Telling a manifest from an index. Registries say it in Content-Type and
// layouts in the descriptor, but umoci and skopeo write OCI documents without
// a top-level mediaType (PEERS.md), so the document itself has the last word.
#ifndef OCITREE_OCI_DOCUMENT_KIND_H_
#define OCITREE_OCI_DOCUMENT_KIND_H_

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/bytes.h"
#include "ocitree/status.h"

namespace ocitree::oci {

enum class DocumentKind { kManifest, kIndex };

// The top-level "mediaType" decides when present (Docker schema 1, and types
// that are neither manifest nor index, are kUnsupported). Otherwise
// schemaVersion 1 is schema 1 (kUnsupported), a "manifests" member makes an
// index, "config" or "layers" a manifest; both or neither is kCorrupt.
// `media_type_hint` (the descriptor or Content-Type that brought the bytes)
// only serves to refuse schema 1 early: the document's content wins over it.
Result<DocumentKind> DetectDocumentKind(ByteView bytes, std::string_view media_type_hint = "");

// The same on a parsed document (internal to src/oci).
Result<DocumentKind> DocumentKindFromJson(const nlohmann::json& doc, std::string_view media_type_hint,
                                          std::string_view where);

// schemaVersion must be 2 (internal to src/oci).
Status CheckSchemaVersion(const nlohmann::json& doc, std::string_view where);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_DOCUMENT_KIND_H_
