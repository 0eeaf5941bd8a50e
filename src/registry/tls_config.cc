#include "registry/tls_config.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "base/io.h"
#include "base/log.h"

namespace ocitree::registry {

namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

// Every certificate in `pem`; 0 when it holds none.
int CountCertificates(const std::string& pem, X509_STORE* store) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return 0;
  int n = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (store) X509_STORE_add_cert(store, cert);  // a duplicate is not an error worth reporting
    X509_free(cert);
    n++;
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return n;
}

Result<std::string> ReadSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno("open " + path, errno);
  std::string text;
  Bytes buf(16 * 1024);
  FdReader reader(fd.get(), path);
  for (;;) {
    OCITREE_ASSIGN_OR_RETURN(size_t n, reader.Read(buf));
    if (n == 0) return text;
    text.append(reinterpret_cast<const char*>(buf.data()), n);
    if (text.size() > (size_t{1} << 20)) return InvalidArgument(path + ": over 1 MiB, not a certificate file");
  }
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool AddCaCertificates(void* ssl_ctx, const std::string& pem) {
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  return store != nullptr && CountCertificates(pem, store) > 0;
}

Result<TlsSettings> LoadCertDir(const std::string& dir, bool must_exist) {
  TlsSettings out;
  out.cert_dir = dir;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if ((errno == ENOENT || errno == ENOTDIR) && !must_exist) return out;
    return Status::FromErrno("certificate directory " + dir, errno);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::map<std::string, int> pairs;  // base name -> 1 cert, 2 key, 3 both
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    if (name.ends_with(".crt")) {
      OCITREE_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(path));
      if (CountCertificates(pem, nullptr) == 0) return InvalidArgument(path + ": no PEM certificate in it");
      out.extra_ca_pem += pem;
      out.extra_ca_pem += "\n";
    } else if (name.ends_with(".cert")) {
      pairs[name.substr(0, name.size() - 5)] |= 1;
    } else if (name.ends_with(".key")) {
      pairs[name.substr(0, name.size() - 4)] |= 2;
    }
  }
  for (const auto& [base, have] : pairs) {
    if (have == 1) return InvalidArgument(dir + "/" + base + ".cert has no matching " + base + ".key");
    if (have == 2) return InvalidArgument(dir + "/" + base + ".key has no matching " + base + ".cert");
    if (!out.client_cert.empty()) {
      LogWarning(dir + ": several client certificates; using " + out.client_cert);
      break;
    }
    out.client_cert = dir + "/" + base + ".cert";
    out.client_key = dir + "/" + base + ".key";
  }
  return out;
}

std::vector<std::string> DefaultCertDirs(std::string_view registry, std::string_view home,
                                         std::string_view xdg_config_home) {
  std::vector<std::string> dirs;
  std::string config = !xdg_config_home.empty() ? std::string(xdg_config_home)
                       : !home.empty()          ? std::string(home) + "/.config"
                                                : "";
  if (!config.empty()) dirs.push_back(config + "/containers/certs.d/" + std::string(registry));
  dirs.push_back("/etc/containers/certs.d/" + std::string(registry));
  dirs.push_back("/etc/docker/certs.d/" + std::string(registry));
  return dirs;
}

Result<TlsSettings> TlsSettingsFor(const RegistryOptions& options, std::string_view registry) {
  TlsSettings out;
  if (!options.cert_dir.empty()) {
    OCITREE_ASSIGN_OR_RETURN(out, LoadCertDir(options.cert_dir, /*must_exist=*/true));
  } else {
    const char* home = std::getenv("HOME");
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    for (const std::string& dir : DefaultCertDirs(registry, home ? home : "", xdg ? xdg : "")) {
      if (!IsDirectory(dir)) continue;
      OCITREE_ASSIGN_OR_RETURN(out, LoadCertDir(dir, /*must_exist=*/false));
      break;
    }
  }
  out.verify = options.tls_verify;
  return out;
}

}  // namespace ocitree::registry
