// Whiteout names of OCI layers (image-spec layer.md, FORMATS.md 5.6): a file
// ".wh.NAME" deletes NAME from the layers below; the opaque marker in a
// directory hides every child the lower layers gave it. Layer reading and
// writing and ostree-style checkout (--process-whiteouts) all use them.
#ifndef OCITREE_BASE_WHITEOUT_H_
#define OCITREE_BASE_WHITEOUT_H_

#include <string_view>

namespace ocitree {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
inline constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

}  // namespace ocitree

#endif  // OCITREE_BASE_WHITEOUT_H_
