// Fuzzes the OSTree metadata object parsers of src/repo: dirtree, dirmeta,
// commit, and the content headers (checksum header and archive .filez
// header). The first input byte picks the parser, the rest is the object.
// Objects are parsed in normal form, which is unique, so whatever a parser
// accepts must serialise back to exactly the same bytes: that is what makes
// the checksum of a re-written object equal the one it was stored under.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "gvariant/view.h"
#include "repo/commit_object.h"
#include "repo/dirtree.h"
#include "repo/file_meta.h"

namespace ocitree::fuzz {
namespace {

void CheckSame(const Bytes& serialised, ByteView input) {
  FUZZ_CHECK(serialised.size() == input.size() &&
             std::equal(serialised.begin(), serialised.end(), input.begin()));
}

void FuzzDirTree(ByteView input) {
  Result<DirTree> tree = ParseDirTree(input);
  if (!tree.ok()) return CheckError(tree.status());
  for (const auto& f : tree->files) {
    FUZZ_CHECK(IsValidFileName(f.name));
    FUZZ_CHECK(tree->FindFile(f.name) == &f);
  }
  for (const auto& d : tree->dirs) {
    FUZZ_CHECK(IsValidFileName(d.name));
    FUZZ_CHECK(tree->FindDir(d.name) == &d);
    FUZZ_CHECK(tree->FindFile(d.name) == nullptr);
  }
  CheckSame(SerializeDirTree(*tree), input);
}

void FuzzDirMeta(ByteView input) {
  Result<DirMeta> meta = ParseDirMeta(input);
  if (!meta.ok()) return CheckError(meta.status());
  FUZZ_CHECK(S_ISDIR(meta->mode));
  CheckSame(SerializeDirMeta(*meta), input);
}

void FuzzCommit(ByteView input) {
  Result<CommitObject> commit = ParseCommit(input);
  if (!commit.ok()) return CheckError(commit.status());
  // The metadata is kept as a valid a{sv}.
  FUZZ_CHECK(gvariant::View::Parse("a{sv}", commit->metadata).ok());
  // SerializeCommit writes an empty related-objects list (as ostree does);
  // only such commits round-trip.
  Result<gvariant::View> v = gvariant::View::Parse("(a{sv}aya(say)sstayay)", input);
  FUZZ_CHECK(v.ok());
  if (v->Child(2).NumChildren() == 0) CheckSame(SerializeCommit(*commit), input);
}

void FuzzFileHeader(ByteView input) {
  Result<FileMeta> meta = ParseFileHeader(input);
  if (!meta.ok()) return CheckError(meta.status());
  FUZZ_CHECK(ValidateFileMeta(*meta).ok());
  CheckSame(SerializeFileHeader(*meta), input);
}

void FuzzArchiveHeader(ByteView input) {
  uint64_t size = 0;
  Result<FileMeta> meta = ParseArchiveHeader(input, &size);
  if (!meta.ok()) return CheckError(meta.status());
  FUZZ_CHECK(ValidateFileMeta(*meta).ok());
  CheckSame(SerializeArchiveHeader(*meta, size), input);
}

}  // namespace
}  // namespace ocitree::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocitree;
  if (size == 0) return 0;
  ByteView input(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: fuzz::FuzzDirTree(input); break;
    case 1: fuzz::FuzzDirMeta(input); break;
    case 2: fuzz::FuzzCommit(input); break;
    case 3: fuzz::FuzzFileHeader(input); break;
    case 4: fuzz::FuzzArchiveHeader(input); break;
  }
  return 0;
}
