// Test helpers for image destinations: a real one-layer image (tar writer ->
// gzip -> blob, diff_id hashed on the way) pushed the way `ocitree push`
// will, and the external tools that judge the result.
#ifndef OCITREE_OCI_DESTINATION_TEST_UTIL_H_
#define OCITREE_OCI_DESTINATION_TEST_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/checksum.h"
#include "base/fs_util.h"
#include "base/hashing_sink.h"
#include "compress/compressor.h"
#include "oci/image_destination.h"
#include "oci/media_types.h"
#include "oci/oci_test_util.h"
#include "tar/tar_writer.h"

namespace ocitree::oci::testing {

struct PushedImage {
  Descriptor manifest;
  Descriptor config;
  Descriptor layer;
  Digest diff_id;
  std::string manifest_json;
  // path -> content of the layer's regular files
  std::vector<std::pair<std::string, std::string>> files;
};

// Streams a layer (tar -> gzip -> blob) with files that depend on `seed`,
// then the config and the manifest; does not Commit.
inline Result<PushedImage> PushImage(ImageDestination& dest, const std::string& seed) {
  PushedImage img;
  img.files = {{"etc/hostname", "host-" + seed + "\n"},
               {"usr/share/data.bin", std::string(300000, static_cast<char>('a' + seed.size() % 26)) + seed},
               {"srv/" + std::string(120, 'n') + "/long-name", "deep " + seed}};
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> blob, dest.StartBlob(std::string(kOciLayerGzip)));
  OCITREE_ASSIGN_OR_RETURN(std::unique_ptr<Compressor> gzip, NewCompressor(Compression::kGzip, *blob));
  HashingSink diff(gzip.get());  // the uncompressed layer: its diff_id
  tar::TarWriter tar(diff);
  auto dir = [](std::string path) {
    tar::TarWriteEntry e;
    e.path = std::move(path);
    e.type = tar::EntryType::kDirectory;
    e.mode = 0755;
    return e;
  };
  for (const char* d : {"etc/", "usr/", "usr/share/", "srv/"}) OCITREE_RETURN_IF_ERROR(tar.AddEntry(dir(d)));
  OCITREE_RETURN_IF_ERROR(tar.AddEntry(dir("srv/" + std::string(120, 'n') + "/")));
  for (const auto& [path, content] : img.files) {
    tar::TarWriteEntry e;
    e.path = path;
    e.size = content.size();
    OCITREE_RETURN_IF_ERROR(tar.AddEntry(e));
    OCITREE_RETURN_IF_ERROR(tar.WriteContent(AsBytes(content)));
  }
  tar::TarWriteEntry link;
  link.path = "etc/link";
  link.type = tar::EntryType::kSymlink;
  link.mode = 0777;
  link.link_target = "hostname";
  OCITREE_RETURN_IF_ERROR(tar.AddEntry(link));
  OCITREE_RETURN_IF_ERROR(tar.Finish());
  OCITREE_RETURN_IF_ERROR(gzip->Finish());
  img.diff_id = Digest(diff.Finish());
  OCITREE_ASSIGN_OR_RETURN(WrittenBlob layer, blob->Commit());
  img.layer = layer.descriptor;

  const std::string config = R"({"architecture":"amd64","os":"linux","config":{"Env":["SEED=)" + seed +
                             R"("]},"rootfs":{"type":"layers","diff_ids":[")" + img.diff_id.ToString() +
                             R"("]},"history":[{"created_by":"ocitree test"}]})";
  OCITREE_ASSIGN_OR_RETURN(WrittenBlob cfg, dest.PutBlob(std::string(kOciConfigType), AsBytes(config)));
  img.config = cfg.descriptor;
  img.manifest_json = R"({"schemaVersion":2,"mediaType":")" + std::string(kOciManifestType) +
                      R"(","config":)" + DescriptorJson(img.config) + R"(,"layers":[)" + DescriptorJson(img.layer) +
                      "]}";
  img.manifest = MakeDescriptor(kOciManifestType, img.manifest_json);
  OCITREE_RETURN_IF_ERROR(dest.PutManifest(img.manifest, AsBytes(img.manifest_json)));
  return img;
}

// Runs a shell command; its output (stdout and stderr), or nullopt with a
// test failure when the command fails (a missing tool fails too: a skipped
// oracle proves nothing).
inline std::optional<std::string> RunTool(const std::string& command) {
  FILE* f = ::popen((command + " 2>&1").c_str(), "r");
  if (f == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int rc = ::pclose(f);
  if (rc != 0) {
    ADD_FAILURE() << command << " failed (" << rc << "):\n" << out;
    return std::nullopt;
  }
  return out;
}

// The directory's entry names, sorted.
inline std::vector<std::string> List(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return {};
  auto names = ListDirectory(fd.get());
  return names.ok() ? *names : std::vector<std::string>{};
}

inline std::string ReadText(const std::string& path) {
  auto s = ReadFileAt(AT_FDCWD, path);
  EXPECT_TRUE(s.ok()) << path << ": " << s.status().message();
  return s.ok() ? *s : "";
}

}  // namespace ocitree::oci::testing

#endif  // OCITREE_OCI_DESTINATION_TEST_UTIL_H_
