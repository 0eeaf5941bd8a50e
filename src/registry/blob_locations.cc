#include "registry/blob_locations.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/fs_util.h"
#include "base/log.h"

namespace ocitree::registry {

namespace {

// Lines longer than this are not ours.
constexpr size_t kMaxLine = 1024;

bool Printable(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

BlobLocations::BlobLocations(std::string path) : path_(std::move(path)) {}

void BlobLocations::Append(std::vector<Entry>& list, Entry e) {
  // One line per location: a new sighting moves it to the end.
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&e](const Entry& x) {
                              return x.digest == e.digest && x.registry == e.registry &&
                                     x.repository == e.repository;
                            }),
             list.end());
  list.push_back(std::move(e));
}

void BlobLocations::LoadLocked() {
  if (loaded_) return;
  loaded_ = true;
  if (path_.empty()) return;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > kMaxLine) continue;
    std::istringstream fields(line);
    Entry e;
    if (!(fields >> e.digest >> e.registry >> e.repository)) continue;
    if (!oci::Digest::Parse(e.digest).ok() || !Printable(e.registry) || !Printable(e.repository)) continue;
    entries_.push_back(std::move(e));
  }
  if (entries_.size() > kMaxBlobLocations) entries_.erase(entries_.begin(), entries_.end() - kMaxBlobLocations);
}

std::vector<std::string> BlobLocations::Find(const oci::Digest& digest, std::string_view registry,
                                             std::string_view exclude, size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  LoadLocked();
  std::string d = digest.ToString();
  std::vector<std::string> out;
  for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < max; ++it) {
    if (it->digest != d || it->registry != registry || it->repository == exclude) continue;
    if (std::find(out.begin(), out.end(), it->repository) == out.end()) out.push_back(it->repository);
  }
  return out;
}

void BlobLocations::Record(const oci::Digest& digest, std::string_view registry, std::string_view repository) {
  if (!Printable(registry) || !Printable(repository)) return;
  std::lock_guard<std::mutex> lock(mu_);
  LoadLocked();
  Entry e{digest.ToString(), std::string(registry), std::string(repository)};
  Append(entries_, e);
  Append(learnt_, std::move(e));
}

void BlobLocations::Save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (path_.empty() || learnt_.empty()) return;
  size_t slash = path_.rfind('/');
  std::string dir = path_.substr(0, slash);
  std::string name = path_.substr(slash + 1);
  Status made = MakeDirs(AT_FDCWD, dir, 0700);
  UniqueFd dir_fd(made.ok() ? ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1);
  if (!dir_fd.valid()) {
    LogDebug("blob locations: cannot open " + dir + (made.ok() ? "" : ": " + made.message()));
    return;
  }
  // Serialises writers; readers see either the old or the new file.
  if (::flock(dir_fd.get(), LOCK_EX) != 0) {
    LogDebug("blob locations: cannot lock " + dir);
    return;
  }
  // Merge into the file as it is now: another push may have written it.
  std::vector<Entry> learnt = std::move(learnt_);
  learnt_.clear();
  entries_.clear();
  loaded_ = false;
  LoadLocked();
  for (Entry& e : learnt) Append(entries_, std::move(e));
  if (entries_.size() > kMaxBlobLocations) entries_.erase(entries_.begin(), entries_.end() - kMaxBlobLocations);
  std::string text;
  for (const Entry& e : entries_) text += e.digest + " " + e.registry + " " + e.repository + "\n";
  Status written = WriteFileAtomically(dir_fd.get(), name, AsBytes(text), 0600, /*sync=*/false);
  if (!written.ok()) LogDebug("blob locations: " + path_ + ": " + written.message());
  ::flock(dir_fd.get(), LOCK_UN);
}

}  // namespace ocitree::registry
