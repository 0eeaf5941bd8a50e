#include "registry/registry_source.h"

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/read_ahead_reader.h"
#include "oci/document_kind.h"
#include "oci/limits.h"
#include "oci/media_types.h"
#include "oci/verifying_reader.h"
#include "registry/registry_endpoint.h"
#include "registry/registry_errors.h"

namespace ocitree::registry {

namespace {

// More pages than this is a registry sending us in circles.
constexpr int kMaxTagPages = 1000;

bool IsDocumentType(std::string_view media_type) {
  return oci::IsManifestType(media_type) || oci::IsIndexType(media_type) || oci::IsDockerSchema1Type(media_type);
}

// "bytes START-END/TOTAL" (TOTAL may be "*"): START, and TOTAL if given.
bool ParseContentRange(std::string_view value, uint64_t* start, std::optional<uint64_t>* total) {
  if (!value.starts_with("bytes ")) return false;
  value.remove_prefix(6);
  size_t dash = value.find('-');
  size_t slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return false;
  auto number = [](std::string_view s, uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    *out = std::stoull(std::string(s));
    return true;
  };
  uint64_t end = 0;
  if (!number(value.substr(0, dash), start) || !number(value.substr(dash + 1, slash - dash - 1), &end)) return false;
  std::string_view t = value.substr(slash + 1);
  uint64_t n = 0;
  if (t != "*") {
    if (!number(t, &n)) return false;
    *total = n;
  }
  return true;
}

// Link: <url>; rel="next" -> url, or "".
std::string NextLink(std::string_view link) {
  size_t open = link.find('<');
  size_t close = link.find('>');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return "";
  if (link.substr(close).find("rel=\"next\"") == std::string_view::npos &&
      link.substr(close).find("rel=next") == std::string_view::npos) {
    return "";
  }
  return std::string(link.substr(open + 1, close - open - 1));
}

// The document's own top-level mediaType, or "".
std::string DeclaredMediaType(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return "";
  auto it = doc.find("mediaType");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<std::unique_ptr<RegistrySource>> RegistrySource::Open(const oci::ImageReference& ref,
                                                             const RegistryOptions& options,
                                                             std::shared_ptr<RegistrySession> session) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client, OpenRegistryClient(ref, options, std::move(session)));
  return std::unique_ptr<RegistrySource>(new RegistrySource(ref, std::move(client), options.max_connections));
}

std::string RegistrySource::Describe() const { return ref_.ToString(); }

Result<std::pair<oci::Descriptor, Bytes>> RegistrySource::GetTopLevel() {
  std::string name = ManifestReference(ref_);
  std::string what = "manifest " + ref_.registry + "/" + ref_.repository + (ref_.digest ? "@" : ":") + name;
  OCITREE_ASSIGN_OR_RETURN(Document doc, client_->GetDocument(ManifestPath(ref_.repository, name),
                                                             {ManifestAcceptHeader()}, oci::kMaxJsonSize, what));
  if (oci::IsDockerSchema1Type(doc.media_type)) {
    return Unsupported(what + ": a Docker schema 1 manifest (" + doc.media_type +
                       "), a format ocitree does not read; the registry has no schema 2 or OCI manifest for it");
  }
  oci::Digest digest = oci::Digest::Of(AsBytes(doc.body));
  if (ref_.digest && digest != *ref_.digest) {
    return Corrupt(what + ": the registry sent a manifest whose digest is " + digest.ToString());
  }
  if (!doc.docker_content_digest.empty()) {
    Result<oci::Digest> header = oci::Digest::Parse(doc.docker_content_digest);
    if (header.ok() && *header != digest) {
      return Corrupt(what + ": Docker-Content-Digest says " + header->ToString() + " but the bytes hash to " +
                     digest.ToString());
    }
    if (!header.ok()) LogDebug(what + ": Docker-Content-Digest not checked: " + header.status().message());
  }
  Result<oci::DocumentKind> kind = oci::DetectDocumentKind(AsBytes(doc.body), doc.media_type);
  if (!kind.ok()) return kind.status().WithContext(what);
  oci::Descriptor desc;
  // Content-Type when it names a manifest type; otherwise the document's own
  // mediaType; else what its shape says (OCI documents may omit mediaType).
  desc.media_type = doc.media_type;
  if (!IsDocumentType(desc.media_type)) desc.media_type = DeclaredMediaType(doc.body);
  if (desc.media_type.empty()) {
    desc.media_type = *kind == oci::DocumentKind::kIndex ? oci::kOciIndexType : oci::kOciManifestType;
  }
  desc.digest = digest;
  desc.size = doc.body.size();
  Bytes bytes(doc.body.begin(), doc.body.end());
  return std::make_pair(std::move(desc), std::move(bytes));
}

Result<std::unique_ptr<ByteReader>> RegistrySource::OpenBlobRange(const oci::Descriptor& desc, uint64_t offset) {
  return OpenRange(desc, offset, /*name_reader=*/false);
}

Result<std::unique_ptr<ByteReader>> RegistrySource::OpenRange(const oci::Descriptor& desc, uint64_t offset,
                                                              bool name_reader) {
  bool document = IsDocumentType(desc.media_type);
  std::string name = Describe() + ": " + (document ? "manifest " : "blob ") + desc.digest.ToString();
  if (offset > desc.size) {
    return InvalidArgument(name + ": offset " + std::to_string(offset) + " is past the blob's " +
                           std::to_string(desc.size) + " bytes");
  }
  if (document && desc.size > oci::kMaxJsonSize) {
    return Unsupported(name + ": " + std::to_string(desc.size) + " bytes is over the " +
                       std::to_string(oci::kMaxJsonSize) + "-byte limit for manifests");
  }
  if (offset == desc.size) return std::unique_ptr<ByteReader>(std::make_unique<MemoryReader>(ByteView()));
  if (offset == 0 && !document) {
    if (auto taken = TakePrefetched(desc)) {
      if (taken->ok()) return std::move(*taken);
      LogDebug(name + ": the early request failed (" + taken->status().message() + "); asking again");
    }
  }
  return OpenWithPermit(desc, offset, name_reader, slots_.Acquire());
}

Result<std::unique_ptr<ByteReader>> RegistrySource::OpenWithPermit(const oci::Descriptor& desc, uint64_t offset,
                                                                   bool name_reader,
                                                                   std::unique_ptr<ConnectionSlots::Permit> permit) {
  bool document = IsDocumentType(desc.media_type);
  std::string name = Describe() + ": " + (document ? "manifest " : "blob ") + desc.digest.ToString();
  std::vector<std::string> headers;
  if (document) headers.push_back(ManifestAcceptHeader());
  if (offset > 0) headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
  std::string path = document ? ManifestPath(ref_.repository, desc.digest.ToString())
                              : BlobPath(ref_.repository, desc.digest);
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> stream, client_->Get(path, headers, name));
  uint64_t skip = 0;
  std::optional<uint64_t> length = stream->ContentLength();
  if (stream->status() == 206) {
    uint64_t start = 0;
    std::optional<uint64_t> total;
    if (!ParseContentRange(stream->Header("content-range"), &start, &total) || start != offset) {
      return Corrupt(name + ": asked for bytes from " + std::to_string(offset) + ", the registry sent Content-Range '" +
                     stream->Header("content-range") + "'");
    }
    if ((total && *total != desc.size) || (length && *length != desc.size - offset)) {
      return Corrupt(name + ": the registry's blob is not the " + std::to_string(desc.size) +
                     " bytes the descriptor gives (Content-Range '" + stream->Header("content-range") + "')");
    }
  } else {
    if (stream->status() != 200) {
      return Status::Error(ErrorCode::kIo, name + ": unexpected HTTP " + std::to_string(stream->status()));
    }
    if (length && *length != desc.size) {
      return Corrupt(name + ": the registry sends " + std::to_string(*length) + " bytes, the descriptor gives " +
                     std::to_string(desc.size));
    }
    skip = offset;
    if (offset > 0) LogDebug(name + ": Range ignored, skipping " + std::to_string(offset) + " bytes");
  }
  auto blob = std::make_unique<BlobReader>(std::move(stream), skip, offset, desc.size - offset,
                                           name_reader ? name : "", std::move(permit));
  if (document) return std::unique_ptr<ByteReader>(std::move(blob));
  // The caller decompresses and writes a layer as it arrives: the network is
  // read on a thread of its own meanwhile, instead of only when the caller
  // asks for more (which left the socket idle while it worked).
  return std::unique_ptr<ByteReader>(std::make_unique<ReadAheadReader>(std::move(blob)));
}

namespace {
std::string PrefetchKey(const oci::Descriptor& desc) { return desc.digest.ToString() + "/" + std::to_string(desc.size); }
}  // namespace

RegistrySource::~RegistrySource() { client_->Cancel(); }

void RegistrySource::Prefetch(const oci::Descriptor& desc) {
  if (IsDocumentType(desc.media_type) || desc.size == 0) return;
  std::lock_guard<std::mutex> lock(prefetch_mu_);
  std::string key = PrefetchKey(desc);
  if (prefetched_.count(key)) return;
  std::unique_ptr<ConnectionSlots::Permit> permit = slots_.TryAcquire(/*keep_free=*/1);
  if (!permit) return;
  LogDebug(Describe() + ": asking for blob " + desc.digest.ToString() + " early");
  // std::async's future waits for the request in its destructor, so none
  // outlives the source; the destructor cancels it first.
  prefetched_.emplace(key, std::async(std::launch::async, [this, desc, p = std::move(permit)]() mutable {
                        return OpenWithPermit(desc, 0, /*name_reader=*/false, std::move(p));
                      }));
}

std::optional<Result<std::unique_ptr<ByteReader>>> RegistrySource::TakePrefetched(const oci::Descriptor& desc) {
  std::future<Result<std::unique_ptr<ByteReader>>> pending;
  {
    std::lock_guard<std::mutex> lock(prefetch_mu_);
    auto it = prefetched_.find(PrefetchKey(desc));
    if (it == prefetched_.end()) return std::nullopt;
    pending = std::move(it->second);
    prefetched_.erase(it);
  }
  return pending.get();
}

Result<std::unique_ptr<ByteReader>> RegistrySource::OpenBlob(const oci::Descriptor& desc) {
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> raw, OpenRange(desc, 0, /*name_reader=*/false));
  bool document = IsDocumentType(desc.media_type);
  std::string name = Describe() + ": " + (document ? "manifest " : "blob ") + desc.digest.ToString();
  return std::unique_ptr<ByteReader>(
      std::make_unique<oci::VerifyingReader>(std::move(raw), desc.digest, desc.size, name));
}

Result<std::vector<std::string>> RegistrySource::ListTags() {
  std::vector<std::string> tags;
  std::string what = "tag list of " + ref_.registry + "/" + ref_.repository;
  std::string next = TagsPath(ref_.repository);
  for (int page = 0; !next.empty(); page++) {
    if (page >= kMaxTagPages) return Corrupt(what + ": more than " + std::to_string(kMaxTagPages) + " pages");
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> s, client_->Request("GET", next, {}, {}, what));
    long status = s->status();
    if (status == 403 || status == 404) {
      // Registries may refuse the endpoint (ECR without ecr:ListImages: 403
      // DENIED) or lack it (public.ecr.aws: 404); skopeo inspect goes on
      // without tags then, and so may the caller.
      return Unsupported(HttpStatusError(status, s->ReadErrorBody(), what).message() +
                         " (the registry does not list this repository's tags)");
    }
    if (status < 200 || status >= 300) return HttpStatusError(status, s->ReadErrorBody(), what);
    Result<std::string> body = s->ReadAll(oci::kMaxJsonSize);
    if (!body.ok()) {
      // Too large is not a refusal: keep kUnsupported for those alone.
      ErrorCode code = body.status().code() == ErrorCode::kUnsupported ? ErrorCode::kCorrupt : body.status().code();
      return Status::Error(code, what + ": " + body.status().message());
    }
    nlohmann::json j = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return Corrupt(what + ": not a JSON object");
    auto it = j.find("tags");
    if (it != j.end() && it->is_array()) {
      for (const nlohmann::json& t : *it) {
        if (t.is_string()) tags.push_back(t.get<std::string>());
      }
    } else if (it != j.end() && !it->is_null()) {
      return Corrupt(what + ": \"tags\" is not an array");
    }
    std::string link = NextLink(s->Header("link"));
    if (link.empty()) break;
    // A relative link is relative to the page it came on.
    if (!link.starts_with("http://") && !link.starts_with("https://")) {
      if (link.front() != '/') return Corrupt(what + ": unusable Link '" + link + "'");
      const std::string& page_url = s->url();
      size_t path_start = page_url.find('/', page_url.find("://") + 3);
      link = page_url.substr(0, path_start) + link;
    }
    next = link;
  }
  return tags;
}

oci::RegistrySourceOpener MakeRegistrySourceOpener(const RegistryOptions& options) {
  auto session = std::make_shared<RegistrySession>();
  return [options, session](const oci::ImageReference& ref) -> Result<std::unique_ptr<oci::ImageSource>> {
    OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<RegistrySource> source, RegistrySource::Open(ref, options, session));
    return std::unique_ptr<oci::ImageSource>(std::move(source));
  };
}

}  // namespace ocitree::registry
