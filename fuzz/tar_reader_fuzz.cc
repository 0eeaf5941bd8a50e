// Fuzzes tar::TarReader (src/tar) with arbitrary archives. Besides memory and
// UB errors it checks the reader's promise that no byte is lost: for an
// archive read to its end, raw_header + content + padding of every entry,
// then trailer, are exactly the input (what layer recipes rely on to rebuild
// byte-identical tars). It runs twice: with the default limits on a stream
// that returns uneven pieces, and with small limits so that every "too
// large" path is reached by small inputs. Entries of an archive read to its
// end are then written again with tar::TarWriter and read back: the reader
// must see the same entries (what push --reconstruct and export rely on).
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_util.h"
#include "tar/tar_reader.h"
#include "tar/tar_writer.h"

namespace ocitree::fuzz {
namespace {

struct ReadEntry {
  tar::Entry entry;
  Bytes content;
};

bool Writable(tar::EntryType type) {
  return type == tar::EntryType::kRegular || type == tar::EntryType::kDirectory ||
         type == tar::EntryType::kSymlink || type == tar::EntryType::kHardlink;
}

tar::TarWriteEntry ToWriteEntry(const tar::Entry& e) {
  tar::TarWriteEntry w;
  w.path = e.path;
  w.type = e.type;
  w.mode = e.mode;
  w.uid = e.uid;
  w.gid = e.gid;
  w.mtime = e.mtime;
  w.size = e.size;
  w.link_target = e.link_target;
  w.xattrs = e.xattrs;
  return w;
}

// Writes the entries the writer accepts and checks the reader gives them back.
void CheckWriterRoundTrip(const std::vector<ReadEntry>& entries) {
  Bytes archive;
  BytesSink sink(&archive);
  tar::TarWriter writer(sink);
  std::vector<const ReadEntry*> written;
  for (const ReadEntry& r : entries) {
    if (!Writable(r.entry.type)) continue;
    Status added = writer.AddEntry(ToWriteEntry(r.entry));
    // Refusals are for what tar cannot hold (NUL bytes, '=' in xattr names,
    // duplicate xattrs...); nothing was written for them.
    if (!added.ok()) {
      FUZZ_CHECK(added.code() == ErrorCode::kInvalidArgument);
      continue;
    }
    FUZZ_CHECK(writer.WriteContent(r.content).ok());
    written.push_back(&r);
  }
  FUZZ_CHECK(writer.Finish().ok());
  MemoryReader in(archive);
  tar::TarReader reader(in);
  tar::Entry got;
  for (const ReadEntry* want : written) {
    Result<bool> next = reader.Next(&got);
    FUZZ_CHECK(next.ok() && *next);
    const tar::Entry& e = want->entry;
    FUZZ_CHECK(got.path == e.path);
    FUZZ_CHECK(got.type == e.type);
    FUZZ_CHECK(got.link_target == e.link_target);
    FUZZ_CHECK(got.mode == e.mode && got.uid == e.uid && got.gid == e.gid);
    FUZZ_CHECK(got.mtime == e.mtime);
    FUZZ_CHECK(got.size == e.size);
    // The writer sorts xattrs by name.
    std::set<std::pair<std::string, std::string>> a(e.xattrs.begin(), e.xattrs.end());
    std::set<std::pair<std::string, std::string>> b(got.xattrs.begin(), got.xattrs.end());
    FUZZ_CHECK(a == b);
    Bytes content(got.size);
    Result<size_t> n = ReadFull(reader.content(), content);
    FUZZ_CHECK(n.ok() && *n == got.size && content == want->content);
  }
  Result<bool> end = reader.Next(&got);
  FUZZ_CHECK(end.ok() && !*end);
}

// With `skip_some`, the content of every third entry is left unread (Next
// must skip it), so the rebuilt bytes cannot be compared with the input.
void ReadArchive(ByteView input, const tar::Limits& limits, bool skip_some) {
  ChunkedReader in(input);
  tar::TarReader reader(in, limits);
  Bytes rebuilt;
  std::vector<ReadEntry> entries;
  tar::Entry entry;
  uint8_t buf[700];
  for (int index = 0;; index++) {
    Result<bool> next = reader.Next(&entry);
    if (!next.ok()) {
      CheckError(next.status());
      // Errors are sticky.
      FUZZ_CHECK(!reader.Next(&entry).ok());
      return;
    }
    if (!*next) break;
    FUZZ_CHECK(entry.path.size() <= limits.max_name_length);
    FUZZ_CHECK(entry.link_target.size() <= limits.max_name_length);
    FUZZ_CHECK(entry.type == tar::EntryType::kRegular || entry.size == 0);
    FUZZ_CHECK((entry.mode & ~07777u) == 0);
    FUZZ_CHECK(reader.raw_header().size() <= limits.max_header_bytes);
    FUZZ_CHECK(reader.raw_header().size() % tar::kBlockSize == 0);
    FUZZ_CHECK(reader.content_remaining() == entry.size);
    rebuilt.insert(rebuilt.end(), reader.raw_header().begin(), reader.raw_header().end());
    if (skip_some && index % 3 == 2) continue;
    uint64_t got = 0;
    size_t content_start = rebuilt.size();
    while (true) {
      Result<size_t> n = reader.ReadContent(buf);
      if (!n.ok()) {
        CheckError(n.status());
        return;
      }
      if (*n == 0) break;
      FUZZ_CHECK(*n <= sizeof buf);
      rebuilt.insert(rebuilt.end(), buf, buf + *n);
      got += *n;
    }
    FUZZ_CHECK(got == entry.size);
    FUZZ_CHECK(reader.content_remaining() == 0);
    FUZZ_CHECK((reader.raw_header().size() + entry.size + reader.padding().size()) %
                   tar::kBlockSize == 0);
    if (!skip_some) {
      entries.push_back({entry, Bytes(rebuilt.begin() + content_start, rebuilt.end())});
    }
    rebuilt.insert(rebuilt.end(), reader.padding().begin(), reader.padding().end());
  }
  rebuilt.insert(rebuilt.end(), reader.trailer().begin(), reader.trailer().end());
  // The reader consumes the stream to its end, and keeps every byte of it.
  FUZZ_CHECK(reader.offset() == input.size());
  if (!skip_some) FUZZ_CHECK(rebuilt.size() == input.size() &&
                             std::equal(rebuilt.begin(), rebuilt.end(), input.begin()));
  Result<bool> again = reader.Next(&entry);
  FUZZ_CHECK(again.ok() && !*again);
  if (!skip_some) CheckWriterRoundTrip(entries);
}

}  // namespace
}  // namespace ocitree::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocitree;
  ByteView input(data, size);
  fuzz::ReadArchive(input, tar::Limits{}, false);
  tar::Limits small;
  small.max_pax_size = 600;
  small.max_name_length = 300;
  small.max_header_bytes = 3 * tar::kBlockSize;
  small.max_entry_size = 2000;
  small.max_trailer_bytes = 1024;
  fuzz::ReadArchive(input, small, true);
  return 0;
}
