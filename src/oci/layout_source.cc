#include "oci/layout_source.h"

#include <fcntl.h>

#include <cerrno>

#include "oci/layout_index.h"
#include "oci/limits.h"
#include "oci/pread_reader.h"
#include "oci/safe_open.h"
#include "oci/verifying_reader.h"

namespace ocitree::oci {

Result<std::unique_ptr<LayoutSource>> LayoutSource::Open(const std::string& dir, const std::string& tag) {
  std::string where = "oci:" + dir;
  // The directory itself is the user's choice, so a symlink to it is fine.
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open image layout " + dir, errno);
  Result<Bytes> header = ReadFileBeneath(fd.get(), kOciLayoutFile, kMaxJsonSize);
  if (!header.ok()) {
    if (header.status().code() == ErrorCode::kNotFound) {
      return NotFound(where + ": not an OCI image layout (no oci-layout file)");
    }
    return header.status().WithContext(where);
  }
  OCITREE_RETURN_IF_ERROR(CheckLayoutHeader(*header, where));
  Result<Bytes> index_bytes = ReadFileBeneath(fd.get(), kIndexFile, kMaxJsonSize);
  if (!index_bytes.ok()) return index_bytes.status().WithContext(where);
  Result<Index> index = Index::Parse(std::move(*index_bytes));
  if (!index.ok()) return index.status().WithContext(where + ": index.json");
  return std::unique_ptr<LayoutSource>(new LayoutSource(dir, tag, std::move(fd), std::move(*index)));
}

std::string LayoutSource::Describe() const { return "oci:" + dir_ + (tag_.empty() ? "" : ":" + tag_); }

Result<std::pair<Descriptor, Bytes>> LayoutSource::GetTopLevel() {
  OCITREE_ASSIGN_OR_RETURN(Descriptor entry, FindImageEntry(index_, tag_, Describe()));
  OCITREE_ASSIGN_OR_RETURN(Bytes bytes, ReadSmallBlob(entry));
  return std::make_pair(std::move(entry), std::move(bytes));
}

Result<std::unique_ptr<ByteReader>> LayoutSource::OpenBlob(const Descriptor& desc) {
  std::string path = BlobPath(desc.digest);
  std::string name = Describe() + ": " + path;
  uint64_t size = 0;
  Result<UniqueFd> fd = OpenRegularFileBeneath(dir_fd_.get(), path, &size);
  if (!fd.ok()) {
    if (fd.status().code() == ErrorCode::kNotFound) {
      return NotFound(Describe() + ": blob " + desc.digest.ToString() + " is missing");
    }
    return fd.status().WithContext(Describe());
  }
  // The size is known before a byte is read: fail early and cheaply.
  if (size != desc.size) {
    return Corrupt(name + ": " + std::to_string(size) + " bytes, its descriptor gives " +
                   std::to_string(desc.size));
  }
  auto shared = std::make_shared<const UniqueFd>(std::move(*fd));
  // Bytes appended later are not read; the digest covers what is.
  auto raw = std::make_unique<PreadReader>(std::move(shared), 0, size, name);
  return std::unique_ptr<ByteReader>(
      std::make_unique<VerifyingReader>(std::move(raw), desc.digest, desc.size, name));
}

}  // namespace ocitree::oci
