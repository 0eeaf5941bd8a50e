#include "oci/archive_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "oci/layout_index.h"
#include "oci/limits.h"
#include "oci/pread_reader.h"
#include "oci/verifying_reader.h"
#include "tar/tar_reader.h"

namespace ocitree::oci {

namespace {

std::string NormaliseName(std::string_view name) {
  for (;;) {
    if (name.starts_with("./")) {
      name.remove_prefix(2);
    } else if (name.starts_with("/")) {
      name.remove_prefix(1);
    } else {
      break;
    }
  }
  while (name.ends_with("/")) name.remove_suffix(1);
  return std::string(name);
}

}  // namespace

Result<std::unique_ptr<ArchiveSource>> ArchiveSource::Open(const std::string& file, const std::string& tag) {
  std::unique_ptr<ArchiveSource> source(new ArchiveSource(file, tag));
  std::string where = "oci-archive:" + file;
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return Status::FromErrno("open " + where, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + where, errno);
  if (!S_ISREG(st.st_mode)) {
    return Unsupported(where + ": not a regular file (members are read in place, so it must be seekable)");
  }
  source->fd_ = std::make_shared<const UniqueFd>(std::move(fd));
  OCITREE_RETURN_IF_ERROR(source->ScanMembers().WithContext(where));
  Result<Bytes> header = source->ReadMember(std::string(kOciLayoutFile), kMaxJsonSize);
  if (!header.ok()) {
    if (header.status().code() == ErrorCode::kNotFound) {
      return NotFound(where + ": not an OCI image archive (no oci-layout member)");
    }
    return header.status().WithContext(where);
  }
  OCITREE_RETURN_IF_ERROR(CheckLayoutHeader(*header, where));
  Result<Bytes> index_bytes = source->ReadMember(std::string(kIndexFile), kMaxJsonSize);
  if (!index_bytes.ok()) return index_bytes.status().WithContext(where);
  Result<Index> index = Index::Parse(std::move(*index_bytes));
  if (!index.ok()) return index.status().WithContext(where + ": index.json");
  source->index_ = std::move(*index);
  return source;
}

Status ArchiveSource::ScanMembers() {
  // Sequential read() on the fd; later reads use pread and leave the file
  // offset alone, so this reader is the only user of it.
  FdReader in(fd_->get(), file_);
  tar::TarReader reader(in);
  tar::Entry entry;
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(bool more, reader.Next(&entry));
    if (!more) break;
    std::string name = NormaliseName(entry.path);
    if (entry.type == tar::EntryType::kRegular) {
      // Right after Next() the reader has consumed exactly the headers.
      members_.insert_or_assign(std::move(name), Member{reader.offset(), entry.size});
    } else if (entry.type == tar::EntryType::kHardlink) {
      auto target = members_.find(NormaliseName(entry.link_target));
      if (target != members_.end()) {
        Member m = target->second;
        members_.insert_or_assign(std::move(name), m);
      } else {
        members_.erase(name);
      }
    } else {
      members_.erase(name);
    }
    if (members_.size() > kMaxArchiveMembers) {
      return Unsupported("more than " + std::to_string(kMaxArchiveMembers) + " members");
    }
  }
  return {};
}

Result<Bytes> ArchiveSource::ReadMember(const std::string& name, size_t max_size) {
  auto it = members_.find(name);
  if (it == members_.end()) return NotFound(name + ": no such member");
  const Member& m = it->second;
  if (m.size > max_size) {
    return Unsupported(name + ": " + std::to_string(m.size) + " bytes is over the limit of " +
                       std::to_string(max_size));
  }
  Bytes out(static_cast<size_t>(m.size));
  PreadReader reader(fd_, m.offset, m.size, name);
  OCITREE_ASSIGN_OR_RETURN(size_t n, ReadFull(reader, out));
  if (n != out.size()) return Corrupt(name + ": archive ends inside the member");
  return out;
}

std::string ArchiveSource::Describe() const {
  return "oci-archive:" + file_ + (tag_.empty() ? "" : ":" + tag_);
}

Result<std::pair<Descriptor, Bytes>> ArchiveSource::GetTopLevel() {
  OCITREE_ASSIGN_OR_RETURN(Descriptor entry, FindImageEntry(index_, tag_, Describe()));
  OCITREE_ASSIGN_OR_RETURN(Bytes bytes, ReadSmallBlob(entry));
  return std::make_pair(std::move(entry), std::move(bytes));
}

Result<std::unique_ptr<ByteReader>> ArchiveSource::OpenBlob(const Descriptor& desc) {
  std::string path = BlobPath(desc.digest);
  std::string name = Describe() + ": " + path;
  auto it = members_.find(path);
  if (it == members_.end()) return NotFound(Describe() + ": blob " + desc.digest.ToString() + " is missing");
  const Member& m = it->second;
  if (m.size != desc.size) {
    return Corrupt(name + ": " + std::to_string(m.size) + " bytes, its descriptor gives " +
                   std::to_string(desc.size));
  }
  auto raw = std::make_unique<PreadReader>(fd_, m.offset, m.size, name);
  return std::unique_ptr<ByteReader>(
      std::make_unique<VerifyingReader>(std::move(raw), desc.digest, desc.size, name));
}

}  // namespace ocitree::oci
