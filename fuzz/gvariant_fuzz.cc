// Fuzzes gvariant::View (src/gvariant): Parse in normal and lenient mode,
// then every accessor over the whole value and ToText. The first input byte
// picks the type from the ones OSTree objects and metadata use (plus a few
// that reach the other code paths); the rest is the serialised data. Type
// strings from the data itself are fuzzed through the "v" types, whose
// child type is read from the data.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "gvariant/view.h"

namespace ocitree::fuzz {
namespace {

constexpr std::string_view kTypes[] = {
    "v",           "av",        "a{sv}",           "(a(say)a(sayay))",
    "(uuua(ayay))", "(uuuusa(ayay))", "(tuuuusa(ayay))", "(a{sv}aya(say)sstayay)",
    "a(ayay)",     "as",        "ay",              "aay",
    "s",           "o",         "g",               "(ssa{sv})",
    "ma{sv}",      "mv",        "my",              "a(yt)",
    "(bynqiuxtdh)", "{sv}",     "aaas",            "(a{sv}v)",
    "m(uay)",      "a()",       "(y(t)ay)",        "a{ss}",
};

// Visits every value below `v`, using the accessors of its type.
size_t Walk(const gvariant::View& v, size_t depth) {
  FUZZ_CHECK(depth < 200);
  size_t visited = 1;
  std::string_view type = v.type();
  if (type.empty()) return visited;
  switch (type[0]) {
    case 'y': (void)v.GetByte(); break;
    case 'b': (void)v.GetBool(); break;
    case 'u': case 'i': case 'h': (void)v.GetUint32(); break;
    case 't': case 'x': case 'd': (void)v.GetUint64(); break;
    case 's': case 'o': case 'g': {
      std::string_view s = v.GetString();
      FUZZ_CHECK(s.size() < v.data().size() || s.empty());
      break;
    }
    default: break;
  }
  if (type == "ay") FUZZ_CHECK(v.GetBytes().size() == v.data().size());
  size_t n = v.NumChildren();
  for (size_t i = 0; i < n; i++) {
    gvariant::View child = v.Child(i);
    // Children lie inside their parent's data.
    if (!child.data().empty()) {
      FUZZ_CHECK(child.data().data() >= v.data().data());
      FUZZ_CHECK(child.data().data() + child.data().size() <= v.data().data() + v.data().size());
    }
    visited += Walk(child, depth + 1);
  }
  // Past the end: an empty view, never a read out of bounds.
  (void)v.Child(n).data();
  return visited;
}

}  // namespace
}  // namespace ocitree::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocitree;
  if (size == 0) return 0;
  std::string_view type = fuzz::kTypes[data[0] % std::size(fuzz::kTypes)];
  ByteView value(data + 1, size - 1);
  Result<gvariant::View> normal = gvariant::View::Parse(type, value, true);
  Result<gvariant::View> lenient = gvariant::View::Parse(type, value, false);
  if (!normal.ok()) fuzz::CheckError(normal.status());
  if (!lenient.ok()) fuzz::CheckError(lenient.status());
  // Normal form is a subset of what lenient parsing accepts.
  if (normal.ok()) FUZZ_CHECK(lenient.ok());
  for (const Result<gvariant::View>* parsed : {&normal, &lenient}) {
    if (!parsed->ok()) continue;
    fuzz::Walk(**parsed, 0);
    std::string text = (*parsed)->ToText();
    FUZZ_CHECK(!text.empty());
    if ((*parsed)->type() == "a{sv}") {
      gvariant::View found;
      (void)gvariant::LookupVariant(**parsed, "ostree.ref-binding", &found);
    }
  }
  return 0;
}
