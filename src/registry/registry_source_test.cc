// RegistrySource against tests/integration/hostile_registry.py, a registry
// that misbehaves on purpose: blobs stream verified, Range resumes (honoured
// or ignored), a read returns what has arrived without waiting for more,
// wrong/short/endless/stalled bodies fail clearly and within
// bounds, retries follow 503/429, tokens are fetched once and reused, and a
// redirect to another host never carries the Authorization header.
// python3 is required: without it these tests fail, they do not skip.
#include "registry/registry_source.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "oci/limits.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "registry/registry_test_util.h"

namespace ocitree::registry {
namespace {

using testing::Fast;

std::unique_ptr<RegistrySource> OpenSource(const std::string& text, const RegistryOptions& options) {
  auto ref = oci::ImageReference::Parse(text);
  EXPECT_TRUE(ref.ok()) << ref.status().message();
  if (!ref.ok()) return nullptr;
  auto source = RegistrySource::Open(*ref, options);
  EXPECT_TRUE(source.ok()) << source.status().message();
  return source.ok() ? std::move(*source) : nullptr;
}

Result<oci::Manifest> TopManifest(RegistrySource& source) {
  OCITREE_ASSIGN_OR_RETURN(auto top, source.GetTopLevel());
  return oci::Manifest::Parse(std::move(top.second), top.first.media_type);
}

Result<Bytes> Drain(ByteReader& r) {
  Bytes out;
  Bytes buf(50000);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, r.Read(buf));
    if (n == 0) return out;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
}

Result<Bytes> ReadBlob(RegistrySource& source, const oci::Descriptor& desc) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> r, source.OpenBlob(desc));
  return Drain(*r);
}

TEST(RegistrySourceTest, StreamsAndVerifiesBlobs) {
  START_SERVER(server, "--mode", "ok");
  auto source = OpenSource(server.Ref(), Fast());
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->layers.size(), 1u);
  uint64_t before = source->bytes_received();
  auto layer = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(layer.ok()) << layer.status().message();
  EXPECT_EQ(layer->size(), m->layers[0].size);
  EXPECT_EQ(source->bytes_received() - before, m->layers[0].size);
  auto config = source->ReadSmallBlob(m->config);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(source->Describe(), server.Ref());
}

TEST(RegistrySourceTest, RangeResumesFromAnOffset) {
  START_SERVER(server, "--mode", "ok");
  auto source = OpenSource(server.Ref(), Fast());
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto whole = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(whole.ok());
  const uint64_t offset = 300001;
  uint64_t before = source->bytes_received();
  auto r = source->OpenBlobRange(m->layers[0], offset);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto rest = Drain(**r);
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(*rest, Bytes(whole->begin() + offset, whole->end()));
  // Only the missing bytes travelled.
  EXPECT_EQ(source->bytes_received() - before, m->layers[0].size - offset);
  bool asked = false;
  for (const auto& e : server.Log()) {
    if (e["headers"].value("range", "") == "bytes=" + std::to_string(offset) + "-") asked = true;
  }
  EXPECT_TRUE(asked);
  // At the very end there is nothing to fetch.
  auto end = source->OpenBlobRange(m->layers[0], m->layers[0].size);
  ASSERT_TRUE(end.ok());
  auto nothing = Drain(**end);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
  EXPECT_EQ(source->OpenBlobRange(m->layers[0], m->layers[0].size + 1).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(RegistrySourceTest, RangeIgnoredStillGivesTheRightBytes) {
  START_SERVER(server, "--mode", "no-range");
  auto source = OpenSource(server.Ref(), Fast());
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto whole = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(whole.ok());
  auto r = source->OpenBlobRange(m->layers[0], 1000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto rest = Drain(**r);
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(*rest, Bytes(whole->begin() + 1000, whole->end()));
}

TEST(RegistrySourceTest, WrongDigestFailsAtTheEnd) {
  START_SERVER(server, "--mode", "wrong-digest");
  auto source = OpenSource(server.Ref(), Fast());
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto r = ReadBlob(*source, m->layers[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.status().message().find("digest mismatch"), std::string::npos) << r.status().message();
}

TEST(RegistrySourceTest, WrongSizeFailsBeforeReading) {
  START_SERVER(server, "--mode", "wrong-size");
  auto source = OpenSource(server.Ref(), Fast());
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto r = source->OpenBlob(m->layers[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.status().message().find("the descriptor gives"), std::string::npos) << r.status().message();
}

TEST(RegistrySourceTest, ShortBodyWithoutLengthIsCorrupt) {
  START_SERVER(server, "--mode", "short-no-length");
  auto source = OpenSource(server.Ref(), Fast());
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto r = ReadBlob(*source, m->layers[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().message();
}

TEST(RegistrySourceTest, TruncatedBodySaysHowFarItGot) {
  START_SERVER(server, "--mode", "truncated");
  auto source = OpenSource(server.Ref(), Fast());
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto r = ReadBlob(*source, m->layers[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo) << r.status().message();
  EXPECT_NE(r.status().message().find("broke off after " + std::to_string(m->layers[0].size / 2) + " bytes"),
            std::string::npos)
      << r.status().message();
}

TEST(RegistrySourceTest, EndlessBodyStopsAtTheDescriptorSize) {
  START_SERVER(server, "--mode", "endless");
  auto source = OpenSource(server.Ref(), Fast());
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  uint64_t before = source->bytes_received();
  auto r = ReadBlob(*source, m->layers[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.status().message().find("more than the"), std::string::npos) << r.status().message();
  EXPECT_LT(source->bytes_received() - before, m->layers[0].size + 64 * 1024);
}

TEST(RegistrySourceTest, StalledTransferTimesOut) {
  START_SERVER(server, "--mode", "stall");
  RegistryOptions o = Fast();
  o.stall_timeout_seconds = 1;
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto start = std::chrono::steady_clock::now();
  auto r = ReadBlob(*source, m->layers[0]);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIo) << r.status().message();
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(RegistrySourceTest, SlowReaderIsNotAStall) {
  START_SERVER(server, "--mode", "ok", "--layer-size", "8388608");
  RegistryOptions o = Fast();
  o.stall_timeout_seconds = 1;
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  auto r = source->OpenBlob(m->layers[0]);
  ASSERT_TRUE(r.ok());
  Bytes buf(4096);
  ASSERT_TRUE((*r)->Read(buf).ok());
  // curl is paused while the reader dawdles: no bytes move, and that is
  // fine. (curl averages speed over 5 s, so a stall would show by 6 s.)
  std::this_thread::sleep_for(std::chrono::seconds(7));
  auto rest = Drain(**r);
  EXPECT_TRUE(rest.ok()) << rest.status().message();
}

TEST(RegistrySourceTest, ReadReturnsWhatArrivedWithoutWaitingForMore) {
  START_SERVER(server, "--mode", "pause");
  auto source = OpenSource(server.Ref(), Fast(10));
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto r = source->OpenBlob(m->layers[0]);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Bytes buf(1 << 20);
  auto start = std::chrono::steady_clock::now();
  auto n = (*r)->Read(buf);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_GT(*n, 0u);
  // The first 40 KiB arrive 0.2 s into the read, then the server is silent
  // for 3 s. They must come back then: curl delivers them straight into the
  // waiting buffer, and Drive has to see that buffer as ready, or it waits
  // in curl_multi_poll for its full second.
  EXPECT_LT(took, std::chrono::milliseconds(600));
  auto rest = Drain(**r);
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(*n + rest->size(), m->layers[0].size);
}

TEST(RegistrySourceTest, RedirectToAnotherHostCarriesNoCredentials) {
  START_SERVER(server, "--mode", "redirect-other", "--auth", "basic", "--user", "u", "--password", "secret");
  RegistryOptions o = Fast();
  o.creds = "u:secret";
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto layer = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(layer.ok()) << layer.status().message();
  int other = 0;
  for (const auto& e : server.Log()) {
    if (e["server"] == "other") {
      other++;
      EXPECT_FALSE(e["headers"].contains("authorization")) << e.dump();
    } else if (e["path"].get<std::string>().find("/blobs/") != std::string::npos) {
      EXPECT_TRUE(e["headers"].contains("authorization")) << e.dump();
    }
  }
  EXPECT_EQ(other, 1);
}

TEST(RegistrySourceTest, RetriesServiceUnavailable) {
  START_SERVER(server, "--mode", "503");
  auto source = OpenSource(server.Ref(), Fast());
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto layer = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(layer.ok()) << layer.status().message();
  EXPECT_EQ(server.Count("registry", "/manifests/v1"), 3);
  EXPECT_EQ(server.Count("registry", "/blobs/" + m->layers[0].digest.ToString()), 3);
}

TEST(RegistrySourceTest, GivesUpWhenTriesRunOut) {
  START_SERVER(server, "--mode", "503");
  RegistryOptions o = Fast();
  o.max_tries = 2;
  auto source = OpenSource(server.Ref(), o);
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kIo);
  EXPECT_NE(top.status().message().find("HTTP 503"), std::string::npos) << top.status().message();
  EXPECT_NE(top.status().message().find("gave up after 2 tries"), std::string::npos) << top.status().message();
}

TEST(RegistrySourceTest, HonoursRetryAfter) {
  START_SERVER(server, "--mode", "429");
  auto source = OpenSource(server.Ref(), Fast());
  auto start = std::chrono::steady_clock::now();
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(600));
  // A Retry-After beyond the budget is not waited for.
  START_SERVER(server2, "--mode", "429");
  RegistryOptions o = Fast();
  o.max_retry_wait_ms = 500;
  auto impatient = OpenSource(server2.Ref(), o);
  auto refused = impatient->GetTopLevel();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("retry budget"), std::string::npos) << refused.status().message();
}

TEST(RegistrySourceTest, HonoursRetryAfterAsADate) {
  // Retry-After: an HTTP-date 2 s ahead (whole seconds, so at least 1 s from
  // now); the backoff alone would wait 20 ms.
  START_SERVER(server, "--mode", "429-date");
  auto source = OpenSource(server.Ref(), Fast());
  auto start = std::chrono::steady_clock::now();
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(600));
  EXPECT_EQ(server.Count("registry", "/manifests/v1"), 2);
}

TEST(RegistrySourceTest, TokenRefusedAsExpiredIsFetchedAgain) {
  // Each token works for two requests; the third answer is 401
  // invalid_token, and the cached token must not be offered again.
  START_SERVER(server, "--auth", "expire", "--user", "u", "--password", "p");
  RegistryOptions o = Fast();
  o.creds = "u:p";
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_TRUE(ReadBlob(*source, m->config).ok());
  auto layer = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(layer.ok()) << layer.status().message();
  auto again = ReadBlob(*source, m->layers[0]);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(server.Count("registry", "/token"), 2);
}

TEST(RegistrySourceTest, TokenFetchedOnceAndReused) {
  START_SERVER(server, "--auth", "token", "--user", "u", "--password", "p");
  RegistryOptions o = Fast();
  o.creds = "u:p";
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_TRUE(ReadBlob(*source, m->config).ok());
  ASSERT_TRUE(ReadBlob(*source, m->layers[0]).ok());
  EXPECT_EQ(server.Count("registry", "/token"), 1);
  auto tags = source->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status().message();
  EXPECT_EQ(*tags, (std::vector<std::string>{"latest", "v1"}));
  // Wrong credentials: the token server says no, and the message says whose.
  o.creds = "u:wrong";
  auto wrong = OpenSource(server.Ref(), o);
  auto refused = wrong->GetTopLevel();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("refused the credentials from --creds"), std::string::npos)
      << refused.status().message();
}

TEST(RegistrySourceTest, WithoutCredentialsTheFirstRequestIsTheManifest) {
  // Fast() turns TLS verification off: the https ping fails at the TLS layer
  // (this server speaks plain http, and logs no request for it). Then,
  // without credentials, no second ping over http: the manifest request's
  // own 401 brings the challenge, an anonymous token is fetched and the
  // manifest asked again.
  START_SERVER(server, "--auth", "token");
  auto source = OpenSource(server.Ref(), Fast());
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(server.Requests("/v2/"),
            (std::vector<std::string>{"GET /v2/test/img/manifests/v1", "GET /v2/test/img/manifests/v1"}));
  EXPECT_EQ(server.Count("registry", "/token"), 1);
}

TEST(RegistrySourceTest, WithCredentialsAPingLetsTheFirstRequestCarryThem) {
  // A registry may answer an anonymous request 404 or 403: with credentials
  // the ping's challenge comes first, and the manifest is asked once, with
  // the token.
  START_SERVER(server, "--auth", "token", "--user", "u", "--password", "p");
  RegistryOptions o = Fast();
  o.creds = "u:p";
  auto source = OpenSource(server.Ref(), o);
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok()) << top.status().message();
  EXPECT_EQ(server.Requests("/v2/"), (std::vector<std::string>{"GET /v2/", "GET /v2/test/img/manifests/v1"}));
  EXPECT_EQ(server.Count("registry", "/token"), 1);
}

TEST(RegistrySourceTest, InsufficientScopeWidensTheToken) {
  START_SERVER(server, "--auth", "scope", "--user", "u", "--password", "p");
  RegistryOptions o = Fast();
  o.creds = "u:p";
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_TRUE(ReadBlob(*source, m->layers[0]).ok());
  EXPECT_EQ(server.Count("registry", "/token"), 2);
  EXPECT_EQ(server.Count("registry", "scope=repository%3Ashared%2Fbase%3Apull"), 1);
}

TEST(RegistrySourceTest, IdentityTokenIsExchangedByPost) {
  START_SERVER(server, "--auth", "token", "--refresh-token", "refresh-123");
  char tmpl[] = "/tmp/ocitree-authjson-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string host = server.Ref("").substr(9);  // "127.0.0.1:PORT/"
  host.pop_back();
  std::ofstream(tmpl) << R"({"auths":{")" << host << R"(":{"auth":"PHRva2VuPjo=","identitytoken":"refresh-123"}}})";
  RegistryOptions o = Fast();
  o.authfile = tmpl;
  auto source = OpenSource(server.Ref(), o);
  auto top = source->GetTopLevel();
  EXPECT_TRUE(top.ok()) << top.status().message();
  int posts = 0;
  for (const auto& e : server.Log()) {
    if (e["method"] == "POST" && e["path"] == "/token") posts++;
  }
  EXPECT_EQ(posts, 1);
  // A wrong refresh token is refused, naming where it came from.
  std::ofstream(tmpl) << R"({"auths":{")" << host << R"(":{"auth":"PHRva2VuPjo=","identitytoken":"stale"}}})";
  auto refused = OpenSource(server.Ref(), o)->GetTopLevel();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(std::string("credentials from ") + tmpl), std::string::npos)
      << refused.status().message();
  unlink(tmpl);
}

TEST(RegistrySourceTest, NeverAuthorizedEndsQuickly) {
  START_SERVER(server, "--auth", "never");
  auto source = OpenSource(server.Ref(), Fast());
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("HTTP 401"), std::string::npos) << top.status().message();
  EXPECT_LE(server.Count("registry", "/token"), 4);
}

TEST(RegistrySourceTest, ConnectionRefusedIsRetriedThenReported) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);  // nobody listens there now
  RegistryOptions o = Fast();
  o.max_tries = 3;
  auto source = OpenSource("docker://127.0.0.1:" + std::to_string(port) + "/x:y", o);
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kIo);
  EXPECT_NE(top.status().message().find("gave up after 3 tries"), std::string::npos) << top.status().message();
}

TEST(RegistrySourceTest, ParallelReadsWithinTheConnectionLimit) {
  // Each blob takes about 0.5 s to arrive, so six readers started together
  // overlap: the server counts how many bodies it sends at once.
  START_SERVER(server, "--mode", "slow");
  RegistryOptions o = Fast();
  o.max_connections = 2;
  auto source = OpenSource(server.Ref(), o);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok());
  std::vector<std::thread> threads;
  std::vector<Status> results(6);
  for (size_t i = 0; i < results.size(); i++) {
    threads.emplace_back([&, i] {
      auto r = ReadBlob(*source, m->layers[0]);
      results[i] = r.ok() ? Status() : r.status();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_GE(source->bytes_received(), 6 * m->layers[0].size);
  int served = 0;
  int most = 0;
  for (const auto& e : server.Log()) {
    if (e["method"] != "SERVE") continue;
    served++;
    most = std::max(most, e["active"].get<int>());
  }
  EXPECT_EQ(served, 6);
  // In parallel, but never more than the limit.
  EXPECT_EQ(most, 2);
}

TEST(RegistrySourceTest, PrefetchedBlobIsTakenByTheNextOpenFromTheStart) {
  START_SERVER(server, "--mode", "ok");
  auto source = OpenSource(server.Ref(), Fast());
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const oci::Descriptor& layer = m->layers[0];
  const std::string path = "/blobs/" + layer.digest.ToString();
  source->Prefetch(layer);
  source->Prefetch(layer);  // already on its way: not asked twice
  auto config = source->ReadSmallBlob(m->config);
  ASSERT_TRUE(config.ok()) << config.status().message();
  // An open from an offset does not take it.
  auto tail = source->OpenBlobRange(layer, 10);
  ASSERT_TRUE(tail.ok()) << tail.status().message();
  ASSERT_TRUE(Drain(**tail).ok());
  EXPECT_EQ(server.Count("registry", path), 2);
  auto whole = ReadBlob(*source, layer);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  EXPECT_EQ(whole->size(), layer.size);
  EXPECT_EQ(server.Count("registry", path), 2);
  // Taken once: the next open asks again.
  ASSERT_TRUE(ReadBlob(*source, layer).ok());
  EXPECT_EQ(server.Count("registry", path), 3);
}

TEST(RegistrySourceTest, PrefetchLeavesTheLastConnectionSlotToTheCaller) {
  START_SERVER(server, "--mode", "ok");
  RegistryOptions o = Fast();
  o.max_connections = 1;
  auto source = OpenSource(server.Ref(), o);
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  source->Prefetch(m->layers[0]);
  // Would wait forever if the prefetch held the only slot.
  auto config = source->ReadSmallBlob(m->config);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(server.Count("registry", "/blobs/" + m->layers[0].digest.ToString()), 0);
}

TEST(RegistrySourceTest, PrefetchNeverTakenEndsWithTheSource) {
  // Each body takes about 0.5 s: the source goes while it is arriving.
  START_SERVER(server, "--mode", "slow");
  auto source = OpenSource(server.Ref(), Fast());
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  source->Prefetch(m->layers[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  source.reset();
  // The log has a GET line and a SERVE line for it.
  std::vector<std::string> gets = server.Requests("/blobs/" + m->layers[0].digest.ToString());
  EXPECT_EQ(std::count_if(gets.begin(), gets.end(), [](const std::string& r) { return r.starts_with("GET "); }), 1);
}

TEST(RegistrySourceTest, PrefetchOfAStalledBlobDoesNotHoldUpTheSourcesEnd) {
  // The early request gets its headers, then the body stalls. A pull that
  // fails before taking it drops the source: that must not wait for the
  // stall timeout (20 s here) in the read-ahead's thread.
  START_SERVER(server, "--mode", "stall");
  RegistryOptions o = Fast();
  o.stall_timeout_seconds = 20;
  auto source = OpenSource(server.Ref(), o);
  ASSERT_TRUE(source);
  auto m = TopManifest(*source);
  ASSERT_TRUE(m.ok()) << m.status().message();
  source->Prefetch(m->layers[0]);
  for (int i = 0; i < 100 && server.Count("registry", "/blobs/") == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(server.Count("registry", "/blobs/"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the read-ahead now waits on the body
  auto start = std::chrono::steady_clock::now();
  source.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(RegistrySourceTest, CancelledClientEndsRetriesAtOnce) {
  // 503 twice with a long backoff: Cancel ends the wait between tries.
  START_SERVER(server, "--mode", "503");
  RegistryOptions o = Fast();
  o.max_tries = 5;
  o.retry_delay_ms = 20000;
  o.max_retry_wait_ms = 60000;
  auto ref = oci::ImageReference::Parse(server.Ref());
  ASSERT_TRUE(ref.ok());
  auto client = OpenRegistryClient(*ref, o, nullptr);
  ASSERT_TRUE(client.ok()) << client.status().message();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    (*client)->Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto got = (*client)->GetDocument("/v2/test/img/manifests/v1", {}, 1 << 20, "manifest");
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kCancelled) << got.status().message();
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(RegistrySourceTest, ManifestLimitHoldsWhileReceiving) {
  START_SERVER(server, "--mode", "big-manifest");
  auto source = OpenSource(server.Ref(), Fast());
  auto top = source->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kUnsupported) << top.status().message();
  EXPECT_LT(source->bytes_received(), oci::kMaxJsonSize + 256 * 1024);
  START_SERVER(announced, "--mode", "big-manifest-cl");
  auto source2 = OpenSource(announced.Ref(), Fast());
  auto top2 = source2->GetTopLevel();
  ASSERT_FALSE(top2.ok());
  EXPECT_NE(top2.status().message().find("announced"), std::string::npos) << top2.status().message();
  EXPECT_LT(source2->bytes_received(), 1024 * 1024u);
}

TEST(RegistrySourceTest, TagListPagesAndRefusals) {
  START_SERVER(ok, "--mode", "ok");
  auto tags = OpenSource(ok.Ref(), Fast())->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status().message();
  EXPECT_EQ(*tags, (std::vector<std::string>{"latest", "v1"}));
  START_SERVER(paged, "--mode", "tags-paged");
  tags = OpenSource(paged.Ref(), Fast())->ListTags();
  ASSERT_TRUE(tags.ok()) << tags.status().message();
  EXPECT_EQ(*tags, (std::vector<std::string>{"latest", "v1"}));
  EXPECT_EQ(paged.Count("registry", "/tags/list"), 2);
  for (const char* mode : {"tags-denied", "tags-missing"}) {
    START_SERVER(server, "--mode", mode);
    auto refused = OpenSource(server.Ref(), Fast())->ListTags();
    ASSERT_FALSE(refused.ok()) << mode;
    EXPECT_EQ(refused.status().code(), ErrorCode::kUnsupported) << refused.status().message();
    EXPECT_NE(refused.status().message().find("does not list this repository's tags"), std::string::npos)
        << refused.status().message();
  }
  // Other failures stay errors the caller must not shrug off.
  START_SERVER(never, "--auth", "never");
  auto failed = OpenSource(never.Ref(), Fast())->ListTags();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kIo) << failed.status().message();
  EXPECT_NE(failed.status().message().find("HTTP 401"), std::string::npos) << failed.status().message();
}

TEST(RegistrySourceTest, ManifestChecks) {
  START_SERVER(schema1, "--mode", "schema1");
  auto top = OpenSource(schema1.Ref(), Fast())->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(top.status().message().find("schema 1"), std::string::npos) << top.status().message();

  START_SERVER(bad_header, "--mode", "bad-content-digest");
  top = OpenSource(bad_header.Ref(), Fast())->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().code(), ErrorCode::kCorrupt);

  START_SERVER(loop, "--mode", "redirect-loop");
  top = OpenSource(loop.Ref(), Fast())->GetTopLevel();
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("too many redirects"), std::string::npos) << top.status().message();
}

TEST(RegistrySourceTest, ByDigestAndChildManifests) {
  START_SERVER(server, "--mode", "ok");
  auto source = OpenSource(server.Ref(), Fast());
  auto top = source->GetTopLevel();
  ASSERT_TRUE(top.ok());
  const oci::Descriptor& desc = top->first;
  EXPECT_EQ(desc.media_type, oci::kOciManifestType);
  auto by_digest = OpenSource(server.Ref("test/img@" + desc.digest.ToString()), Fast());
  auto again = by_digest->GetTopLevel();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->second, top->second);
  // A manifest named by an index comes from /manifests/, not /blobs/.
  auto child = source->ReadSmallBlob(desc);
  ASSERT_TRUE(child.ok()) << child.status().message();
  EXPECT_EQ(server.Count("registry", "/manifests/" + desc.digest.ToString()), 2);
  auto missing = OpenSource(server.Ref("test/img@sha256:" + std::string(64, '0')), Fast())->GetTopLevel();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("test/img@sha256:000"), std::string::npos) << missing.status().message();
}

}  // namespace
}  // namespace ocitree::registry
