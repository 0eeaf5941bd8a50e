// TarWriter: what it writes reads back exactly through our TarReader and
// through GNU tar (listing and extracting, xattrs included), byte for byte
// the same every time, and misuse is refused.
#include "tar/tar_writer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tar/tar_reader.h"
#include "tar/tar_test_util.h"

namespace ocitree::tar {
namespace {

namespace fs = std::filesystem;
using testing::Parsed;
using testing::ReadAll;

struct Item {
  TarWriteEntry entry;
  std::string content;
};

TarWriteEntry Make(std::string path, EntryType type, std::string link = "") {
  TarWriteEntry e;
  e.path = std::move(path);
  e.type = type;
  e.mode = type == EntryType::kDirectory ? 0755 : 0644;
  e.link_target = std::move(link);
  return e;
}

Item File(std::string path, std::string content) {
  Item it{Make(std::move(path), EntryType::kRegular), std::move(content)};
  it.entry.size = it.content.size();
  return it;
}

std::string Pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::minstd_rand rng(seed);
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Writes `items` (content in uneven pieces) and finishes.
Bytes WriteTar(const std::vector<Item>& items) {
  Bytes out;
  BytesSink sink(&out);
  TarWriter w(sink);
  for (const Item& it : items) {
    Status s = w.AddEntry(it.entry);
    EXPECT_TRUE(s.ok()) << s.message();
    for (size_t i = 0; i < it.content.size(); i += 777) {
      s = w.WriteContent(AsBytes(std::string_view(it.content).substr(i, 777)));
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }
  Status s = w.Finish();
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(w.bytes_written(), out.size());
  return out;
}

// A tree with everything the writer has to encode specially.
std::vector<Item> Corpus() {
  std::vector<Item> items;
  items.push_back({Make("./", EntryType::kDirectory), ""});
  items.push_back(File("empty", ""));
  items.push_back(File("block", std::string(512, 'b')));
  items.push_back(File("odd", Pattern(100001, 1)));
  items.push_back(File(std::string(99, 'a'), "99"));
  items.push_back(File(std::string(100, 'b'), "100"));                               // fills the name field
  items.push_back(File(std::string(101, 'c'), "101"));                               // no '/': PAX
  items.push_back(File(std::string(150, 'd') + "/" + std::string(100, 'e'), "split"));  // ustar prefix
  items.push_back(File(std::string(200, 'f') + "/" + std::string(60, 'g'), "prefix too long"));
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "component" + std::to_string(i) + "/";
  items.push_back({Make(deep, EntryType::kDirectory), ""});  // > 255 bytes, trailing '/'
  items.push_back(File(deep + "file", "deep"));
  items.push_back(File("héllo/wörld/日本語.txt", "utf-8"));
  items.push_back(File(std::string(60, 'u') + "/" + std::string(60, 'v') + "/ü", "utf-8 long"));
  items.push_back({Make("short-link", EntryType::kSymlink, "../target"), ""});
  items.push_back({Make("long-link", EntryType::kSymlink, "/" + std::string(150, 't') + "/end"), ""});
  items.push_back({Make("utf8-link", EntryType::kSymlink, "ziel/größe"), ""});
  items.push_back({Make("hard", EntryType::kHardlink, "odd"), ""});
  items.push_back({Make("hard-to-deep", EntryType::kHardlink, deep + "file"), ""});

  Item x = File("xattrs", "x");
  x.entry.xattrs = {{"user.z", std::string("\0\x01\xff\n=", 5)}, {"user.a", ""},
                    {"user.bin", Pattern(20, 3)}, {"user.long", std::string(2000, 'v')}};
  items.push_back(x);
  Item ids = File("ids", "ids");
  ids.entry.uid = 3000000;
  ids.entry.gid = 4000000000u;  // not (gid_t)-1, which chown takes as "unchanged"
  ids.entry.mode = 04755;
  ids.entry.mtime = 1700000000;
  items.push_back(ids);
  Item old = File("before-1970", "old");
  old.entry.mtime = -86400;
  items.push_back(old);
  Item future = File("far-future", "new");
  future.entry.mtime = int64_t{1} << 33;  // one past 11 octal digits; ext4 holds it
  items.push_back(future);
  Item ustar_max = File("ustar-max", "m");
  ustar_max.entry.uid = 07777777;
  ustar_max.entry.gid = 07777777;
  ustar_max.entry.mtime = 077777777777;
  items.push_back(ustar_max);
  return items;
}

void ExpectSameEntry(const Item& want, const Entry& got, const std::string& content) {
  SCOPED_TRACE(want.entry.path);
  EXPECT_EQ(got.path, want.entry.path);
  EXPECT_EQ(got.type, want.entry.type);
  EXPECT_EQ(got.mode, want.entry.mode);
  EXPECT_EQ(got.uid, want.entry.uid);
  EXPECT_EQ(got.gid, want.entry.gid);
  EXPECT_EQ(got.mtime, want.entry.mtime);
  EXPECT_EQ(got.mtime_nsec, 0u);
  EXPECT_EQ(got.size, want.entry.size);
  EXPECT_EQ(got.link_target, want.entry.link_target);
  EXPECT_EQ(got.uname, "");
  EXPECT_EQ(got.gname, "");
  auto sorted = want.entry.xattrs;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(got.xattrs, sorted);
  EXPECT_EQ(content, want.content);
}

TEST(TarWriter, TarReaderReadsBackEverything) {
  std::vector<Item> items = Corpus();
  Bytes tar = WriteTar(items);
  EXPECT_EQ(tar.size() % kBlockSize, 0u);
  Parsed p = ReadAll(tar);
  ASSERT_TRUE(p.status.ok()) << p.status.message();
  ASSERT_EQ(p.entries.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) ExpectSameEntry(items[i], p.entries[i], p.contents[i]);
  EXPECT_EQ(p.rebuilt, tar);
  EXPECT_EQ(p.trailer, Bytes(2 * kBlockSize, 0));  // no record padding
  EXPECT_FALSE(p.missing_end_marker);
}

// How many header bytes (PAX included) each entry took.
std::vector<size_t> HeaderSizes(const Bytes& tar) {
  MemoryReader in(tar);
  TarReader reader(in);
  Entry e;
  std::vector<size_t> sizes;
  while (true) {
    auto more = reader.Next(&e);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !*more) break;
    sizes.push_back(reader.raw_header().size());
  }
  return sizes;
}

TEST(TarWriter, PaxOnlyWhenUstarCannotSayIt) {
  std::vector<Item> items = {File(std::string(100, 'b'), ""),
                             File(std::string(150, 'd') + "/" + std::string(100, 'e'), ""),
                             File(std::string(101, 'c'), ""),
                             File("é", ""),
                             {Make("l", EntryType::kSymlink, std::string(100, 't')), ""},
                             {Make("l2", EntryType::kSymlink, std::string(101, 't')), ""}};
  Item ids = File("ids", "");
  ids.entry.uid = 07777777;
  ids.entry.mtime = 077777777777;
  items.push_back(ids);
  ids.entry.uid = 07777777 + 1;
  items.push_back(ids);
  EXPECT_EQ(HeaderSizes(WriteTar(items)),
            (std::vector<size_t>{512, 512, 1536, 1536, 512, 1536, 512, 1536}));
}

TEST(TarWriter, PaxHeaderLayoutIsFixed) {
  Item it = File("dir/" + std::string(120, 'n'), "");
  it.entry.uid = 1u << 30;
  it.entry.xattrs = {{"user.b", "2"}, {"user.a", "1"}};
  Bytes tar = WriteTar({it});
  // The 'x' header: name, mode, owner, mtime, type.
  Block x(tar.data(), kBlockSize);
  EXPECT_EQ(FieldString(x, kNameField), "PaxHeaders/" + std::string(89, 'n'));
  EXPECT_EQ(x[kTypeflagOffset], 'x');
  EXPECT_EQ(ParseNumericField(x, kModeField), 0644);
  EXPECT_EQ(ParseNumericField(x, kUidField), 0);
  EXPECT_EQ(ParseNumericField(x, kMtimeField), 0);
  EXPECT_TRUE(ChecksumMatches(x));
  // Records sorted by key.
  const std::string data(reinterpret_cast<const char*>(tar.data()) + kBlockSize,
                         static_cast<size_t>(*ParseNumericField(x, kSizeField)));
  EXPECT_EQ(data, testing::PaxRecord("SCHILY.xattr.user.a", "1") +
                      testing::PaxRecord("SCHILY.xattr.user.b", "2") +
                      testing::PaxRecord("path", "dir/" + std::string(120, 'n')) +
                      testing::PaxRecord("uid", "1073741824"));
  // The entry's own header: ASCII fallback name, uid field 0, ustar magic.
  Block h(tar.data() + 2 * kBlockSize, kBlockSize);
  EXPECT_EQ(FieldString(h, kNameField), ("dir/" + std::string(120, 'n')).substr(0, 100));
  EXPECT_EQ(ParseNumericField(h, kUidField), 0);
  EXPECT_EQ(DetectFormat(h), HeaderFormat::kUstar);
  EXPECT_EQ(FieldString(h, kUnameField), "");
  EXPECT_TRUE(ChecksumMatches(h));
}

TEST(TarWriter, SameEntriesSameBytes) {
  Bytes a = WriteTar(Corpus());
  Bytes b = WriteTar(Corpus());
  EXPECT_EQ(a, b);
  // Content written in other pieces changes nothing either.
  Bytes c;
  BytesSink sink(&c);
  TarWriter w(sink);
  for (const Item& it : Corpus()) {
    ASSERT_TRUE(w.AddEntry(it.entry).ok());
    for (char ch : it.content) ASSERT_TRUE(w.WriteContent(AsBytes(std::string_view(&ch, 1))).ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_EQ(a, c);
  // Xattr order in the entry does not matter.
  Item x = File("x", "");
  x.entry.xattrs = {{"user.a", "1"}, {"user.b", "2"}};
  Item y = x;
  std::swap(y.entry.xattrs[0], y.entry.xattrs[1]);
  EXPECT_EQ(WriteTar({x}), WriteTar({y}));
}

TEST(TarWriter, EmptyArchiveIsTwoZeroBlocks) {
  EXPECT_EQ(WriteTar({}), Bytes(1024, 0));
}

TEST(TarWriter, ContentMustMatchTheDeclaredSize) {
  Bytes out;
  BytesSink sink(&out);
  TarWriter w(sink);
  Item f = File("f", "12345");
  ASSERT_TRUE(w.AddEntry(f.entry).ok());
  ASSERT_TRUE(w.WriteContent(AsBytes("123")).ok());
  EXPECT_EQ(w.WriteContent(AsBytes("456")).code(), ErrorCode::kInvalidArgument);  // 6 > 5
  EXPECT_EQ(w.AddEntry(File("g", "").entry).code(), ErrorCode::kInvalidArgument);  // 3 of 5
  EXPECT_EQ(w.Finish().code(), ErrorCode::kInvalidArgument);
  // Refusals wrote nothing and broke nothing: the archive can be completed.
  ASSERT_TRUE(w.WriteContent(AsBytes("45")).ok());
  ASSERT_TRUE(w.Finish().ok());
  Parsed p = ReadAll(out);
  ASSERT_TRUE(p.status.ok()) << p.status.message();
  ASSERT_EQ(p.contents.size(), 1u);
  EXPECT_EQ(p.contents[0], "12345");
  EXPECT_EQ(w.AddEntry(File("late", "").entry).code(), ErrorCode::kInternal);
  EXPECT_EQ(w.Finish().code(), ErrorCode::kInternal);
}

TEST(TarWriter, RefusesWhatTarCannotHold) {
  Bytes out;
  BytesSink sink(&out);
  TarWriter w(sink);
  auto code = [&](TarWriteEntry e) { return w.AddEntry(e).code(); };
  EXPECT_EQ(code(Make("", EntryType::kRegular)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Make(std::string("a\0b", 3), EntryType::kRegular)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Make("l", EntryType::kSymlink)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Make("h", EntryType::kHardlink)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Make("l", EntryType::kSymlink, std::string("a\0b", 3))), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Make("f", EntryType::kRegular, "target")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(Make("c", EntryType::kCharDevice)), ErrorCode::kUnsupported);
  EXPECT_EQ(code(Make("p", EntryType::kFifo)), ErrorCode::kUnsupported);
  TarWriteEntry dir = Make("d", EntryType::kDirectory);
  dir.size = 1;
  EXPECT_EQ(code(dir), ErrorCode::kInvalidArgument);
  TarWriteEntry mode = Make("m", EntryType::kRegular);
  mode.mode = 0100644;
  EXPECT_EQ(code(mode), ErrorCode::kInvalidArgument);
  for (std::string bad : {std::string(""), std::string("a=b"), std::string("a\0b", 3)}) {
    TarWriteEntry x = Make("x", EntryType::kRegular);
    x.xattrs = {{bad, "v"}};
    EXPECT_EQ(code(x), ErrorCode::kInvalidArgument) << bad;
  }
  TarWriteEntry dup = Make("x", EntryType::kRegular);
  dup.xattrs = {{"user.a", "1"}, {"user.a", "2"}};
  EXPECT_EQ(code(dup), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(w.Finish().ok());
  EXPECT_EQ(out, Bytes(1024, 0));
}

TEST(TarWriter, SinkErrorsAreSticky) {
  class FailAfter : public ByteSink {
   public:
    Status Write(ByteView) override {
      if (calls_++ < 1) return {};
      return Status::FromErrno("write layer", ENOSPC);
    }
    int calls_ = 0;
  } sink;
  TarWriter w(sink);
  Item f = File("f", "data");
  ASSERT_TRUE(w.AddEntry(f.entry).ok());
  EXPECT_EQ(w.WriteContent(AsBytes("data")).sys_errno(), ENOSPC);
  EXPECT_EQ(w.AddEntry(File("g", "").entry).sys_errno(), ENOSPC);
  EXPECT_EQ(w.Finish().sys_errno(), ENOSPC);
}

// Produces `head`, then `zeros` zero bytes, then `tail`, without holding the
// zeros in memory.
class SyntheticReader : public ByteReader {
 public:
  SyntheticReader(Bytes head, uint64_t zeros, Bytes tail)
      : head_(std::move(head)), zeros_(zeros), tail_(std::move(tail)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (pos_ < head_.size()) return Copy(buf, head_, pos_);
    if (pos_ < head_.size() + zeros_) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), head_.size() + zeros_ - pos_));
      std::fill_n(buf.data(), n, 0);
      pos_ += n;
      return n;
    }
    return Copy(buf, tail_, pos_ - head_.size() - zeros_);
  }

 private:
  size_t Copy(std::span<uint8_t> buf, const Bytes& src, uint64_t at) {
    size_t n = std::min<size_t>(buf.size(), src.size() - static_cast<size_t>(at));
    std::copy_n(src.begin() + static_cast<ptrdiff_t>(at), n, buf.begin());
    pos_ += n;
    return n;
  }
  Bytes head_;
  uint64_t zeros_;
  Bytes tail_;
  uint64_t pos_ = 0;
};

// Keeps the first bytes written and counts the rest.
class HeadSink : public ByteSink {
 public:
  Status Write(ByteView data) override {
    size_t keep = std::min(data.size(), kKeep > head.size() ? kKeep - head.size() : 0);
    head.insert(head.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(keep));
    total += data.size();
    return {};
  }
  static constexpr size_t kKeep = 4096;
  Bytes head;
  uint64_t total = 0;
};

constexpr uint64_t kHuge = uint64_t{8} << 30;  // one more than ustar's 11 octal digits hold

// Writes one kHuge-byte zero file; returns the header bytes.
Bytes HugeTarHeader(uint64_t* total) {
  HeadSink sink;
  TarWriter w(sink);
  Item f = File("huge", "");
  f.entry.size = kHuge;
  EXPECT_TRUE(w.AddEntry(f.entry).ok());
  const Bytes zeros(8 << 20, 0);
  for (uint64_t done = 0; done < kHuge; done += zeros.size()) EXPECT_TRUE(w.WriteContent(zeros).ok());
  EXPECT_TRUE(w.Finish().ok());
  *total = sink.total;
  return Bytes(sink.head.begin(), sink.head.begin() + 3 * kBlockSize);  // 'x' + data + header
}

TEST(TarWriter, SizesPastUstarUsePax) {
  uint64_t total = 0;
  Bytes head = HugeTarHeader(&total);
  EXPECT_EQ(total, 3 * kBlockSize + kHuge + 2 * kBlockSize);
  SyntheticReader in(head, kHuge, Bytes(1024, 0));
  TarReader reader(in);
  Entry e;
  auto more = reader.Next(&e);
  ASSERT_TRUE(more.ok()) << more.status().message();
  ASSERT_TRUE(*more);
  EXPECT_EQ(e.path, "huge");
  EXPECT_EQ(e.size, kHuge);
  EXPECT_EQ(e.pax_records.at("size"), std::to_string(kHuge));
}

// --- GNU tar as the oracle ---------------------------------------------------

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ocitree-tarw-XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, ByteView data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  ASSERT_TRUE(WriteAll(fd.get(), data, path).ok());
}

std::string ReadFile(const std::string& path) {
  auto s = ReadFileAt(AT_FDCWD, path);
  EXPECT_TRUE(s.ok()) << path << ": " << s.status().message();
  return s.ok() ? *s : "";
}

// stdout of `cmd`, or nullopt (and a test failure) when it exits non-zero.
std::optional<std::string> RunCommand(const std::string& cmd) {
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int rc = ::pclose(f);
  EXPECT_EQ(rc, 0) << cmd;
  return rc == 0 ? std::optional(out) : std::nullopt;
}

TEST(TarWriterGnuTar, ListsEveryName) {
  TempDir tmp;
  std::vector<Item> items = Corpus();
  WriteFile(tmp.path() + "/a.tar", WriteTar(items));
  auto listing = RunCommand("tar --numeric-owner -tf " + tmp.path() + "/a.tar 2>&1");
  ASSERT_TRUE(listing.has_value());
  std::string want;
  for (const Item& it : items) want += it.entry.path + "\n";
  EXPECT_EQ(*listing, want);
  auto verbose = RunCommand("tar --numeric-owner -tvf " + tmp.path() + "/a.tar 2>&1");
  ASSERT_TRUE(verbose.has_value());
  EXPECT_NE(verbose->find("-rwsr-xr-x 3000000/4000000000"), std::string::npos) << *verbose;
  EXPECT_NE(verbose->find("long-link -> /" + std::string(150, 't') + "/end"), std::string::npos);
  EXPECT_NE(verbose->find("hard-to-deep link to " + items[10].entry.path), std::string::npos);
  EXPECT_EQ(verbose->find("warning"), std::string::npos) << *verbose;
}

TEST(TarWriterGnuTar, ExtractsContentLinksOwnersAndXattrs) {
  TempDir tmp;
  std::vector<Item> items = Corpus();
  WriteFile(tmp.path() + "/a.tar", WriteTar(items));
  const std::string out = tmp.path() + "/out";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  auto extract = RunCommand("tar --xattrs --xattrs-include='*' --numeric-owner -xf " + tmp.path() +
                           "/a.tar -C " + out + " 2>&1");
  ASSERT_TRUE(extract.has_value());
  // GNU tar remarks on the odd times on purpose in the corpus; nothing else.
  std::string other;
  for (size_t at = 0; at < extract->size();) {
    size_t nl = extract->find('\n', at);
    std::string line = extract->substr(at, nl - at);
    if (line.find("time stamp") == std::string::npos) other += line + "\n";
    at = nl == std::string::npos ? extract->size() : nl + 1;
  }
  EXPECT_EQ(other, "");
  for (const Item& it : items) {
    SCOPED_TRACE(it.entry.path);
    const std::string p = out + "/" + it.entry.path;
    struct stat st;
    ASSERT_EQ(::lstat(p.c_str(), &st), 0);
    switch (it.entry.type) {
      case EntryType::kRegular:
        EXPECT_TRUE(S_ISREG(st.st_mode));
        EXPECT_EQ(ReadFile(p), it.content);
        EXPECT_EQ(st.st_mode & 07777, it.entry.mode);
        EXPECT_EQ(st.st_mtime, it.entry.mtime);
        if (geteuid() == 0) {
          EXPECT_EQ(st.st_uid, it.entry.uid);
          EXPECT_EQ(st.st_gid, it.entry.gid);
        }
        break;
      case EntryType::kSymlink: {
        EXPECT_TRUE(S_ISLNK(st.st_mode));
        std::string target(4096, '\0');
        ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
        ASSERT_GT(n, 0);
        target.resize(static_cast<size_t>(n));
        EXPECT_EQ(target, it.entry.link_target);
        break;
      }
      case EntryType::kHardlink: {
        struct stat target;
        ASSERT_EQ(::lstat((out + "/" + it.entry.link_target).c_str(), &target), 0);
        EXPECT_EQ(st.st_ino, target.st_ino);
        break;
      }
      default:
        EXPECT_TRUE(S_ISDIR(st.st_mode));
    }
    for (const auto& [name, value] : it.entry.xattrs) {
      std::string got(100000, '\0');
      ssize_t n = ::lgetxattr(p.c_str(), name.c_str(), got.data(), got.size());
      ASSERT_GE(n, 0) << name;
      got.resize(static_cast<size_t>(n));
      EXPECT_EQ(got, value) << name;
    }
  }
}

TEST(TarWriterGnuTar, ReadsPaxSizesPastUstar) {
  // A sparse file: the header we wrote, a hole of kHuge zero bytes, the end.
  uint64_t total = 0;
  Bytes head = HugeTarHeader(&total);
  TempDir tmp;
  const std::string path = tmp.path() + "/huge.tar";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(WriteAll(fd.get(), head, path).ok());
  ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(total)), 0);
  fd.Reset();
  auto listing = RunCommand("tar --numeric-owner -tvf " + path + " 2>&1");
  ASSERT_TRUE(listing.has_value());
  EXPECT_NE(listing->find(" " + std::to_string(kHuge) + " "), std::string::npos) << *listing;
  EXPECT_NE(listing->find(" huge\n"), std::string::npos) << *listing;
}

}  // namespace
}  // namespace ocitree::tar
