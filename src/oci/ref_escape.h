// A reversible mapping from any string to one OSTree ref component, used to
// derive a default branch from an image reference.
//
// OSTree ref components must match [A-Za-z0-9_][-._A-Za-z0-9]*, and each
// component is a file name under refs/heads/, so at most 255 bytes.
// Escaping keeps [A-Za-z0-9] everywhere and '.', '-' after the first
// character; every other byte, '_' included, becomes '_' plus two uppercase
// hex digits: "docker://docker.io/library/alpine:3.19" ->
// "docker_3A_2F_2Fdocker.io_2Flibrary_2Falpine_3A3.19".
//
// '/' is escaped too instead of becoming a component separator: otherwise
// "oci:/a/b" and "oci:/a/b/c" would need refs/heads/.../b to be a file and a
// directory at once. Exactly one spelling decodes to each string, so
// Unescape rejects anything Escape would not have produced.
#ifndef OCITREE_OCI_REF_ESCAPE_H_
#define OCITREE_OCI_REF_ESCAPE_H_

#include <string>
#include <string_view>

#include "ocitree/status.h"

namespace ocitree::oci {

// The longest ref component (a file name, NAME_MAX).
inline constexpr size_t kMaxRefComponent = 255;

std::string EscapeRefComponent(std::string_view text);
Result<std::string> UnescapeRefComponent(std::string_view component);
// [A-Za-z0-9_][-._A-Za-z0-9]*, 1 to kMaxRefComponent bytes.
bool IsValidRefComponent(std::string_view component);

}  // namespace ocitree::oci

#endif  // OCITREE_OCI_REF_ESCAPE_H_
