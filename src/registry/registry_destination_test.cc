// RegistryDestination against tests/integration/hostile_registry.py, which
// keeps pushes in memory and logs every request: the upload protocol
// (POST, PATCH chunks with Content-Range, PUT ?digest= on the latest
// Location, relative or absolute), HEAD skips, cross-repository mounts
// (201, and 202 falling back to the session the registry opened), manifest
// by digest then tag, the token's push scope, retried chunks, and clear
// errors for refusals and digests the registry rejects.
// python3 is required: without it these tests fail, they do not skip.
#include "registry/registry_destination.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "oci/media_types.h"
#include "registry/registry_source.h"
#include "registry/registry_test_util.h"

namespace ocitree::registry {
namespace {

namespace fs = std::filesystem;

using testing::Fast;

// A stalled transfer fails after 5 s here (2 s in registry_source_test.cc).
constexpr int kStallSeconds = 5;

std::unique_ptr<RegistryDestination> OpenDest(const std::string& text, DestinationSettings settings = {},
                                              const RegistryOptions& options = Fast(kStallSeconds)) {
  auto ref = oci::ImageReference::Parse(text);
  EXPECT_TRUE(ref.ok()) << ref.status().message();
  if (!ref.ok()) return nullptr;
  auto dest = RegistryDestination::Open(*ref, options, nullptr, std::move(settings));
  EXPECT_TRUE(dest.ok()) << dest.status().message();
  return dest.ok() ? std::move(*dest) : nullptr;
}

Bytes RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Writes `data` in pieces of `piece` bytes and commits.
Result<oci::WrittenBlob> WriteBlob(oci::ImageDestination& dest, const Bytes& data, size_t piece = 7000,
                                   oci::BlobExpectation expected = {}) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<oci::BlobWriter> w,
                           dest.StartBlob(std::string(oci::kOciLayerGzip), std::move(expected)));
  for (size_t at = 0; at < data.size(); at += piece) {
    OCITREE_RETURN_IF_ERROR(w->Write(ByteView(data).subspan(at, std::min(piece, data.size() - at))));
  }
  return w->Commit();
}

// The blob as the registry serves it.
Result<Bytes> Fetch(const std::string& ref_text, const oci::Digest& digest, uint64_t size) {
  OCITREE_ASSIGN_OR_RETURN(oci::ImageReference ref, oci::ImageReference::Parse(ref_text));
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<RegistrySource> source,
                           RegistrySource::Open(ref, Fast(kStallSeconds)));
  oci::Descriptor desc;
  desc.media_type = std::string(oci::kOciLayerGzip);
  desc.digest = digest;
  desc.size = size;
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> r, source->OpenBlob(desc));
  Bytes out;
  Bytes buf(65536);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, r->Read(buf));
    if (n == 0) return out;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
}

std::string Escaped(const oci::Digest& d) { return "sha256%3A" + d.Hex(); }

TEST(RegistryDestinationTest, StreamsChunksThenPutsTheDigest) {
  START_SERVER(server, "--push-mode", "ok");
  DestinationSettings settings;
  settings.chunk_size = 100000;
  auto dest = OpenDest(server.Ref(), settings);
  ASSERT_TRUE(dest);
  Bytes data = RandomBytes(250000, 1);
  oci::Digest digest = oci::Digest::Of(data);
  auto written = WriteBlob(*dest, data);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->descriptor.digest, digest);
  EXPECT_EQ(written->descriptor.size, data.size());
  EXPECT_FALSE(written->existed);
  EXPECT_EQ(dest->bytes_sent(), data.size());
  // POST, then each full chunk by PATCH on the Location last given, then
  // the rest with PUT ?digest= on the newest one (the server refuses a
  // stale _state).
  std::vector<std::string> want = {
      "POST /v2/test/img/blobs/uploads/",
      "PATCH /v2/test/img/blobs/uploads/u1?_state=0",
      "PATCH /v2/test/img/blobs/uploads/u1?_state=1",
      "PUT /v2/test/img/blobs/uploads/u1?_state=2&digest=" + Escaped(digest),
  };
  EXPECT_EQ(server.Requests("/blobs/uploads/"), want);
  std::vector<std::string> ranges;
  for (const auto& e : server.Log()) {
    if (e["method"] == "PATCH") ranges.push_back(e["headers"].value("content-range", ""));
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"0-99999", "100000-199999"}));
  auto back = Fetch(server.Ref(), digest, data.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, data);
}

TEST(RegistryDestinationTest, AbsoluteLocationKeepsItsQuery) {
  START_SERVER(server, "--push-mode", "absolute-location");
  DestinationSettings settings;
  settings.chunk_size = 4096;
  auto dest = OpenDest(server.Ref(), settings);
  ASSERT_TRUE(dest);
  Bytes data = RandomBytes(10000, 2);
  auto written = WriteBlob(*dest, data, 1000);
  ASSERT_TRUE(written.ok()) << written.status().message();
  auto uploads = server.Requests("/blobs/uploads/");
  ASSERT_EQ(uploads.size(), 4u);
  EXPECT_EQ(uploads.back(), "PUT /v2/test/img/blobs/uploads/u1?_state=2&digest=" + Escaped(oci::Digest::Of(data)));
  auto back = Fetch(server.Ref(), oci::Digest::Of(data), data.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, data);
}

TEST(RegistryDestinationTest, SmallBlobIsCheckedBeforeItIsSent) {
  START_SERVER(server, "--push-mode", "ok");
  auto dest = OpenDest(server.Ref());
  ASSERT_TRUE(dest);
  Bytes data = RandomBytes(5000, 3);
  oci::Digest digest = oci::Digest::Of(data);
  auto first = WriteBlob(*dest, data);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->existed);
  // HEAD (404), then one POST and one PUT with the whole blob: no PATCH.
  std::vector<std::string> want = {
      "HEAD /v2/test/img/blobs/" + digest.ToString(),
      "POST /v2/test/img/blobs/uploads/",
      "PUT /v2/test/img/blobs/uploads/u1?_state=0&digest=" + Escaped(digest),
  };
  EXPECT_EQ(server.Requests("/v2/test/img/blobs/"), want);
  server.ClearLog();
  auto again = WriteBlob(*dest, data);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->existed);
  EXPECT_EQ(server.Requests("/v2/test/img/blobs/"),
            (std::vector<std::string>{"HEAD /v2/test/img/blobs/" + digest.ToString()}));
  EXPECT_EQ(dest->bytes_sent(), data.size());
}

TEST(RegistryDestinationTest, HasBlobChecksDigestAndSize) {
  START_SERVER(server, "--push-mode", "ok");
  auto dest = OpenDest(server.Ref());
  ASSERT_TRUE(dest);
  // The server's built-in layer (1 MiB) is in every repository.
  auto source = RegistrySource::Open(*oci::ImageReference::Parse(server.Ref()), Fast(kStallSeconds));
  ASSERT_TRUE(source.ok());
  auto top = (*source)->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  auto manifest = nlohmann::json::parse(AsChars(top->second));
  auto layer = oci::Digest::Parse(manifest["layers"][0]["digest"].get<std::string>());
  ASSERT_TRUE(layer.ok());
  uint64_t size = manifest["layers"][0]["size"];
  EXPECT_TRUE(dest->HasBlob(*layer, size).value());
  EXPECT_FALSE(dest->HasBlob(*layer, size + 1).value());
  EXPECT_FALSE(dest->HasBlob(oci::Digest::Of(RandomBytes(10, 4)), 10).value());
  // Given the digest up front, a big blob the registry has is only hashed.
  server.ClearLog();
  auto w = dest->StartBlob(std::string(oci::kOciLayerGzip), {*layer, size});
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto data = Fetch(server.Ref(), *layer, size);
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE((*w)->Write(*data).ok());
  auto done = (*w)->Commit();
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_TRUE(done->existed);
  EXPECT_TRUE(server.Requests("/blobs/uploads/").empty());
}

TEST(RegistryDestinationTest, DigestKnownFirstIsCheckedOnce) {
  START_SERVER(server, "--push-mode", "ok");
  DestinationSettings settings;
  settings.chunk_size = 1000;
  auto dest = OpenDest(server.Ref(), settings);
  ASSERT_TRUE(dest);
  Bytes data = RandomBytes(2500, 17);
  oci::Digest digest = oci::Digest::Of(data);
  // As a push that hashed the layer first: HasBlob, then StartBlob with
  // the digest; the bytes go out in chunks, one HEAD in all.
  ASSERT_FALSE(dest->HasBlob(digest, data.size()).value());
  auto written = WriteBlob(*dest, data, 700, {digest, data.size()});
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_FALSE(written->existed);
  std::vector<std::string> want = {
      "HEAD /v2/test/img/blobs/" + digest.ToString(),
      "POST /v2/test/img/blobs/uploads/",
      "PATCH /v2/test/img/blobs/uploads/u1?_state=0",
      "PATCH /v2/test/img/blobs/uploads/u1?_state=1",
      "PUT /v2/test/img/blobs/uploads/u1?_state=2&digest=" + Escaped(digest),
  };
  EXPECT_EQ(server.Requests("/v2/test/img/blobs/"), want);
}

TEST(RegistryDestinationTest, MountsFromARepositoryThatHasTheBlob) {
  START_SERVER(server, "--push-mode", "ok");
  auto locations = std::make_shared<BlobLocations>(server.dir() + "/locations");
  DestinationSettings settings;
  settings.locations = locations;
  Bytes data = RandomBytes(3000, 5);
  oci::Digest digest = oci::Digest::Of(data);
  {
    auto a = OpenDest(server.Ref("src/one:v1"), settings);
    ASSERT_TRUE(a);
    ASSERT_TRUE(WriteBlob(*a, data).ok());
  }
  // Saved when the destination went away: a new process would find it.
  std::string registry = oci::ImageReference::Parse(server.Ref())->registry;
  EXPECT_EQ(BlobLocations(server.dir() + "/locations").Find(digest, registry, "other", 5),
            (std::vector<std::string>{"src/one"}));
  server.ClearLog();
  auto b = OpenDest(server.Ref("dst/two:v1"), settings);
  ASSERT_TRUE(b);
  auto written = WriteBlob(*b, data);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_TRUE(written->existed);
  std::vector<std::string> want = {
      "HEAD /v2/dst/two/blobs/" + digest.ToString(),
      "POST /v2/dst/two/blobs/uploads/?mount=" + Escaped(digest) + "&from=src%2Fone",
  };
  EXPECT_EQ(server.Requests("/v2/dst/two/blobs/"), want);
  EXPECT_EQ(b->bytes_sent(), 0u);
  // HasBlob mounts too: a push that hashed its layer first need not
  // produce it again.
  auto d = OpenDest(server.Ref("dst/four:v1"), settings);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->HasBlob(digest, data.size()).value());
  EXPECT_EQ(server.Requests("/v2/dst/four/blobs/").size(), 2u);
  EXPECT_FALSE(d->HasBlob(oci::Digest::Of(RandomBytes(10, 18)), 10).value());
  // The hint of the caller works without any remembered location.
  auto c = OpenDest(server.Ref("dst/three:v1"));
  ASSERT_TRUE(c);
  oci::BlobExpectation hint;
  hint.mount_from = "src/one";
  auto hinted = WriteBlob(*c, data, 7000, hint);
  ASSERT_TRUE(hinted.ok()) << hinted.status().message();
  EXPECT_TRUE(hinted->existed);
  auto back = Fetch(server.Ref("dst/three:v1"), digest, data.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, data);
}

TEST(RegistryDestinationTest, MountRefusedFallsBackToTheOfferedSession) {
  START_SERVER(server, "--push-mode", "no-mount");
  Bytes data = RandomBytes(3000, 6);
  oci::Digest digest = oci::Digest::Of(data);
  auto a = OpenDest(server.Ref("src/one:v1"));
  ASSERT_TRUE(a);
  ASSERT_TRUE(WriteBlob(*a, data).ok());
  server.ClearLog();
  auto b = OpenDest(server.Ref("dst/two:v1"));
  ASSERT_TRUE(b);
  oci::BlobExpectation hint;
  hint.mount_from = "src/one";
  auto written = WriteBlob(*b, data, 7000, hint);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_FALSE(written->existed);
  // The 202's session takes the bytes: no second POST.
  std::vector<std::string> want = {
      "HEAD /v2/dst/two/blobs/" + digest.ToString(),
      "POST /v2/dst/two/blobs/uploads/?mount=" + Escaped(digest) + "&from=src%2Fone",
      "PUT /v2/dst/two/blobs/uploads/u2?_state=0&digest=" + Escaped(digest),
  };
  EXPECT_EQ(server.Requests("/v2/dst/two/blobs/"), want);
}

TEST(RegistryDestinationTest, ManifestByDigestThenTag) {
  START_SERVER(server, "--push-mode", "ok");
  auto dest = OpenDest(server.Ref("app/web:v2"));
  ASSERT_TRUE(dest);
  Bytes layer = RandomBytes(20000, 7);
  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  auto l = WriteBlob(*dest, layer);
  ASSERT_TRUE(l.ok()) << l.status().message();
  auto c = dest->PutBlob(std::string(oci::kOciConfigType), AsBytes(config));
  ASSERT_TRUE(c.ok()) << c.status().message();
  nlohmann::ordered_json m;
  m["schemaVersion"] = 2;
  m["mediaType"] = std::string(oci::kOciManifestType);
  m["config"] = {{"mediaType", std::string(oci::kOciConfigType)},
                 {"digest", c->descriptor.digest.ToString()},
                 {"size", config.size()}};
  m["layers"] = nlohmann::ordered_json::array({{{"mediaType", std::string(oci::kOciLayerGzip)},
                                                {"digest", l->descriptor.digest.ToString()},
                                                {"size", layer.size()}}});
  std::string text = m.dump();
  oci::Descriptor desc;
  desc.media_type = std::string(oci::kOciManifestType);
  desc.digest = oci::Digest::Of(AsBytes(text));
  desc.size = text.size();
  ASSERT_TRUE(dest->PutManifest(desc, AsBytes(text)).ok());
  // Nothing tagged before Commit.
  EXPECT_TRUE(server.Requests("/manifests/v2").empty());
  Status committed = dest->Commit(desc);
  ASSERT_TRUE(committed.ok()) << committed.message();
  std::vector<std::string> want = {
      "HEAD /v2/app/web/manifests/" + desc.digest.ToString(),
      "PUT /v2/app/web/manifests/" + desc.digest.ToString(),
      "PUT /v2/app/web/manifests/v2",
  };
  EXPECT_EQ(server.Requests("/manifests/"), want);
  for (const auto& e : server.Log()) {
    if (e["method"] == "PUT" && e["path"].get<std::string>().find("/manifests/") != std::string::npos) {
      EXPECT_EQ(e["headers"].value("content-type", ""), std::string(oci::kOciManifestType));
    }
  }
  auto source = RegistrySource::Open(*oci::ImageReference::Parse(server.Ref("app/web:v2")), Fast(kStallSeconds));
  ASSERT_TRUE(source.ok());
  auto top = (*source)->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(top->first.digest, desc.digest);
  EXPECT_EQ(dest->Commit(desc).code(), ErrorCode::kInternal);  // once
}

TEST(RegistryDestinationTest, ManifestWithMissingBlobTagsNothing) {
  START_SERVER(server, "--push-mode", "ok");
  auto dest = OpenDest(server.Ref("app/web:v3"));
  ASSERT_TRUE(dest);
  oci::Digest missing = oci::Digest::Of(RandomBytes(100, 8));
  std::string text = std::string(R"({"schemaVersion":2,"mediaType":")") + std::string(oci::kOciManifestType) +
                     R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                     missing.ToString() + R"(","size":100},"layers":[]})";
  oci::Descriptor desc;
  desc.media_type = std::string(oci::kOciManifestType);
  desc.digest = oci::Digest::Of(AsBytes(text));
  desc.size = text.size();
  Status s = dest->PutManifest(desc, AsBytes(text));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HTTP 400 (bad request): MANIFEST_BLOB_UNKNOWN: blob unknown to registry"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(dest->Commit(desc).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server.Requests("/manifests/v3").empty());
}

TEST(RegistryDestinationTest, RefusalIsAClearError) {
  START_SERVER(server, "--push-mode", "deny");
  auto dest = OpenDest(server.Ref());
  ASSERT_TRUE(dest);
  auto written = WriteBlob(*dest, RandomBytes(1000, 9));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().message(),
            server.Ref() + ": starting a blob upload: HTTP 403 (access denied): DENIED: requested access to the "
                           "resource is denied");
}

TEST(RegistryDestinationTest, DigestRejectedByTheRegistry) {
  START_SERVER(server, "--push-mode", "corrupt");
  DestinationSettings settings;
  settings.chunk_size = 1000;
  auto dest = OpenDest(server.Ref(), settings);
  ASSERT_TRUE(dest);
  auto written = WriteBlob(*dest, RandomBytes(2500, 10), 500);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().code(), ErrorCode::kCorrupt) << written.status().message();
  EXPECT_NE(written.status().message().find(
                "HTTP 400 (bad request): DIGEST_INVALID: provided digest did not match uploaded content (the bytes "
                "the registry received do not hash to the digest they were sent with)"),
            std::string::npos)
      << written.status().message();
}

TEST(RegistryDestinationTest, ChunkRetriedAfter503) {
  START_SERVER(server, "--push-mode", "patch-503");
  DestinationSettings settings;
  settings.chunk_size = 1000;
  auto dest = OpenDest(server.Ref(), settings);
  ASSERT_TRUE(dest);
  Bytes data = RandomBytes(2500, 11);
  auto written = WriteBlob(*dest, data, 300);
  ASSERT_TRUE(written.ok()) << written.status().message();
  int patches = 0;
  for (const std::string& r : server.Requests("/blobs/uploads/")) patches += r.starts_with("PATCH ");
  EXPECT_EQ(patches, 3);  // the first one twice
  auto back = Fetch(server.Ref(), oci::Digest::Of(data), data.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, data);
}

TEST(RegistryDestinationTest, DroppedWriterCancelsItsUpload) {
  START_SERVER(server, "--push-mode", "ok");
  DestinationSettings settings;
  settings.chunk_size = 1000;
  auto dest = OpenDest(server.Ref(), settings);
  ASSERT_TRUE(dest);
  {
    auto w = dest->StartBlob(std::string(oci::kOciLayerGzip));
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(RandomBytes(1500, 12)).ok());
  }
  auto uploads = server.Requests("/blobs/uploads/");
  ASSERT_FALSE(uploads.empty());
  EXPECT_TRUE(uploads.back().starts_with("DELETE /v2/test/img/blobs/uploads/u1")) << uploads.back();
  // An expected size or digest that the bytes miss is refused, nothing kept.
  Bytes data = RandomBytes(100, 13);
  auto wrong = WriteBlob(*dest, data, 7000, {oci::Digest::Of(RandomBytes(100, 14)), 100});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kCorrupt);
}

TEST(RegistryDestinationTest, TokenCarriesThePushScope) {
  START_SERVER(server, "--push-mode", "ok", "--auth", "token", "--user", "u", "--password", "p");
  RegistryOptions options = Fast(kStallSeconds);
  options.creds = "u:p";
  auto dest = OpenDest(server.Ref("team/app:v1"), {}, options);
  ASSERT_TRUE(dest);
  Bytes data = RandomBytes(2000, 15);
  ASSERT_TRUE(WriteBlob(*dest, data).ok());
  oci::BlobExpectation hint;
  hint.mount_from = "team/base";
  auto mounted = WriteBlob(*dest, RandomBytes(2000, 16), 7000, hint);
  ASSERT_TRUE(mounted.ok()) << mounted.status().message();
  std::vector<std::string> scopes;
  for (const std::string& r : server.Requests("/token")) scopes.push_back(r.substr(r.find("scope=")));
  ASSERT_FALSE(scopes.empty());
  EXPECT_EQ(scopes.front(), "scope=repository%3Ateam%2Fapp%3Apull%2Cpush");
  EXPECT_EQ(scopes.back(), "scope=repository%3Ateam%2Fapp%3Apull%2Cpush&scope=repository%3Ateam%2Fbase%3Apull");
  // Without credentials the token server refuses, and the message says so.
  auto anon = OpenDest(server.Ref("team/app:v1"));
  ASSERT_TRUE(anon);
  auto refused = anon->HasBlob(oci::Digest::Of(data), data.size());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no credentials for"), std::string::npos) << refused.status().message();
}

TEST(BlobLocationsTest, RemembersNewestFirstAcrossInstances) {
  char tmpl[] = "/tmp/ocitree-locations-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  std::string path = std::string(tmpl) + "/sub/locations";
  oci::Digest d = oci::Digest::Of(AsBytes("x"));
  oci::Digest other = oci::Digest::Of(AsBytes("y"));
  {
    BlobLocations a(path);
    a.Record(d, "reg:5000", "one");
    a.Record(d, "reg:5000", "two");
    a.Record(other, "reg:5000", "three");
    a.Record(d, "elsewhere", "four");
    a.Save();
  }
  BlobLocations b(path);
  EXPECT_EQ(b.Find(d, "reg:5000", "", 5), (std::vector<std::string>{"two", "one"}));
  EXPECT_EQ(b.Find(d, "reg:5000", "two", 5), (std::vector<std::string>{"one"}));
  EXPECT_EQ(b.Find(d, "reg:5000", "", 1), (std::vector<std::string>{"two"}));
  b.Record(d, "reg:5000", "one");  // seen again: newest now
  EXPECT_EQ(b.Find(d, "reg:5000", "", 5), (std::vector<std::string>{"one", "two"}));
  // A second writer merges into what is there.
  BlobLocations c(path);
  c.Record(other, "reg:5000", "five");
  c.Save();
  b.Save();
  EXPECT_EQ(BlobLocations(path).Find(other, "reg:5000", "", 5), (std::vector<std::string>{"five", "three"}));
  EXPECT_EQ(BlobLocations(path).Find(d, "reg:5000", "", 5), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(BlobLocations("").Find(d, "reg:5000", "", 5).empty());
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace ocitree::registry
