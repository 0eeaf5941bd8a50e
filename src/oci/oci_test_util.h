// Test helpers for src/oci: temporary directories and OCI layouts written
// blob by blob, the way skopeo and umoci lay them out.
#ifndef OCITREE_OCI_OCI_TEST_UTIL_H_
#define OCITREE_OCI_OCI_TEST_UTIL_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "base/fs_util.h"
#include "base/io.h"
#include "oci/descriptor.h"
#include "oci/digest.h"

namespace ocitree::oci::testing {

inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string ToString(const Bytes& b) { return std::string(b.begin(), b.end()); }

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ocitree-oci-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "/nonexistent";
  }
  ~TempDir() { (void)RemoveTreeAt(AT_FDCWD, path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(std::string_view rel) const { return path_ + "/" + std::string(rel); }

 private:
  std::string path_;
};

// The file's bytes; "" and a test failure when it cannot be read.
inline std::string ReadWholeFile(const std::string& path) {
  Result<std::string> bytes = ReadFileAt(AT_FDCWD, path);
  EXPECT_TRUE(bytes.ok()) << path << ": " << bytes.status().message();
  return bytes.ok() ? *bytes : std::string();
}

inline void WriteFile(const std::string& path, std::string_view content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  Status s = WriteAll(fd.get(), AsBytes(content), path);
  ASSERT_TRUE(s.ok()) << s.message();
}

// {"mediaType":...,"digest":...,"size":...<extra>}
inline std::string DescriptorJson(const Descriptor& d, std::string_view extra = "") {
  return "{\"mediaType\":\"" + d.media_type + "\",\"digest\":\"" + d.digest.ToString() +
         "\",\"size\":" + std::to_string(d.size) + std::string(extra) + "}";
}

inline Descriptor MakeDescriptor(std::string_view media_type, std::string_view content) {
  Descriptor d;
  d.media_type = media_type;
  d.digest = Digest::Of(AsBytes(content));
  d.size = content.size();
  return d;
}

// An image layout directory under construction.
class LayoutBuilder {
 public:
  explicit LayoutBuilder(std::string dir) : dir_(std::move(dir)) {
    ::mkdir(dir_.c_str(), 0755);
    ::mkdir((dir_ + "/blobs").c_str(), 0755);
    ::mkdir((dir_ + "/blobs/sha256").c_str(), 0755);
    WriteFile(dir_ + "/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  }
  const std::string& dir() const { return dir_; }
  std::string BlobFile(const Descriptor& d) const { return dir_ + "/blobs/sha256/" + d.digest.Hex(); }

  Descriptor AddBlob(std::string_view media_type, std::string_view content) {
    Descriptor d = MakeDescriptor(media_type, content);
    WriteFile(BlobFile(d), content);
    return d;
  }
  // index.json listing `entries_json` (comma-separated descriptor objects).
  void WriteIndex(std::string_view entries_json) {
    WriteFile(dir_ + "/index.json",
              "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
              "\"manifests\":[" + std::string(entries_json) + "]}");
  }

 private:
  std::string dir_;
};

inline std::string TagAnnotation(std::string_view tag) {
  return ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + std::string(tag) + "\"}";
}

struct SimpleImage {
  Descriptor manifest;
  Descriptor config;
  Descriptor layer;
  std::string manifest_json;
  std::string config_json;
};

// A one-layer image as umoci writes it: no top-level mediaType.
inline SimpleImage AddSimpleImage(LayoutBuilder& b, std::string_view arch = "amd64",
                                  std::string_view layer_content = "not really a tar") {
  SimpleImage img;
  img.layer = b.AddBlob("application/vnd.oci.image.layer.v1.tar", layer_content);
  img.config_json = "{\"created\":\"2024-01-02T03:04:05.123456789Z\",\"architecture\":\"" +
                    std::string(arch) +
                    "\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" +
                    img.layer.digest.ToString() + "\"]},\"history\":[{\"created_by\":\"test\"}]}";
  img.config = b.AddBlob("application/vnd.oci.image.config.v1+json", img.config_json);
  img.manifest_json = "{\"schemaVersion\":2,\"config\":" + DescriptorJson(img.config) + ",\"layers\":[" +
                      DescriptorJson(img.layer) + "]}";
  img.manifest = b.AddBlob("application/vnd.oci.image.manifest.v1+json", img.manifest_json);
  return img;
}

// Runs a shell command; true when it exits 0.
inline bool RunShell(const std::string& command) { return std::system(command.c_str()) == 0; }

}  // namespace ocitree::oci::testing

#endif  // OCITREE_OCI_OCI_TEST_UTIL_H_
