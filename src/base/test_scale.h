// For tests that need volume (scaling and size measurements): the data they
// make is divided by kTestScaleDivisor in the sanitizer build, where the same
// code runs ten to thirty times slower. The code paths are the same; only the
// number of entries changes, so such a test must state its bounds per entry.
#ifndef OCITREE_BASE_TEST_SCALE_H_
#define OCITREE_BASE_TEST_SCALE_H_

#include <cstddef>

namespace ocitree {

#ifdef OCITREE_SANITIZER_BUILD
inline constexpr size_t kTestScaleDivisor = 10;
#else
inline constexpr size_t kTestScaleDivisor = 1;
#endif

}  // namespace ocitree

#endif  // OCITREE_BASE_TEST_SCALE_H_
