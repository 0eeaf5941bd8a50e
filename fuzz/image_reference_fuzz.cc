// Fuzzes image reference parsing (src/oci/image_reference.h) and the
// --platform parser. Checks the documented round trips: Parse(ToString())
// gives back the same reference, and FromBranch inverts EscapedBranch.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "oci/image_reference.h"
#include "oci/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocitree;
  std::string_view text = fuzz::AsText(data, size);
  Result<oci::ImageReference> ref = oci::ImageReference::Parse(text);
  if (ref.ok()) {
    std::string canonical = ref->ToString();
    Result<oci::ImageReference> again = oci::ImageReference::Parse(canonical);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *ref);
    FUZZ_CHECK(again->ToString() == canonical);
    Result<std::string> branch = ref->EscapedBranch();
    if (branch.ok()) {
      FUZZ_CHECK(branch->starts_with(oci::kImageBranchPrefix));
      Result<oci::ImageReference> back = oci::ImageReference::FromBranch(*branch);
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(*back == *ref);
    } else {
      fuzz::CheckError(branch.status());
    }
  } else {
    fuzz::CheckError(ref.status());
  }

  // A branch name from outside (refs of an existing repo) must not crash.
  Result<oci::ImageReference> from_branch = oci::ImageReference::FromBranch(text);
  if (!from_branch.ok()) fuzz::CheckError(from_branch.status());

  Result<oci::Platform> platform = oci::ParsePlatform(text);
  if (platform.ok()) {
    Result<oci::Platform> again = oci::ParsePlatform(platform->ToString());
    FUZZ_CHECK(again.ok());
  } else {
    fuzz::CheckError(platform.status());
  }
  return 0;
}
