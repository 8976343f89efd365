#include "sandbox/instance_root.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/layout.h"

namespace yunfn::sandbox {
namespace {

constexpr unsigned long kReadOnlyFlags = MS_RDONLY | MS_NOSUID | MS_NODEV;

// Host /etc entries runtimes read (dynamic linker, TLS, names, time zone,
// MIME types, Debian's python and alternatives links). Missing ones are skipped.
constexpr const char* kEtcEntries[] = {
    "ld.so.cache", "ld.so.conf",  "ld.so.conf.d",     "nsswitch.conf",  "host.conf",
    "gai.conf",    "services",    "protocols",        "localtime",      "timezone",
    "mime.types",  "ssl",         "ca-certificates",  "ca-certificates.conf",
    "alternatives", "os-release", "python3",          "python3.11",     "python3.12",
    "nodejs",      "java-17-openjdk", "php",
};

// Host top-level entries that hold programs and libraries.
constexpr const char* kSystemDirs[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

// Device nodes an instance may use.
constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};

Error sys_error(const std::string& what, int e) {
  return make_error(errc::kInternalErrorSystem, what + ": " + std::strerror(e));
}

Status check(int rc, const std::string& what) {
  if (rc != 0) return sys_error(what, errno);
  return ok_status();
}

Status make_dir(const std::string& path, mode_t mode = 0755) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return sys_error("mkdir " + path, errno);
  return ok_status();
}

Status make_file(const std::string& path, const std::string& content, mode_t mode = 0644) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return sys_error("create " + path, errno);
  ssize_t n = content.empty() ? 0 : ::write(fd, content.data(), content.size());
  int e = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(content.size())) return sys_error("write " + path, e);
  return ok_status();
}

// Read-only, nosuid, nodev on the whole tree at path (mount_setattr), or on its
// top mount where the kernel predates mount_setattr.
Status make_read_only(const std::string& path) {
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), AT_RECURSIVE, &attr, sizeof attr) == 0) {
    return ok_status();
  }
  if (errno != ENOSYS) return sys_error("mount_setattr " + path, errno);
  return check(::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | kReadOnlyFlags,
                       nullptr),
               "remount read-only " + path);
}

// Shows host path `from` read-only at `to` (which must exist).
Status bind_read_only(const std::string& from, const std::string& to) {
  YUNFN_TRY_STATUS(check(::mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr),
                         "bind " + from));
  return make_read_only(to);
}

// Mirrors host entry `from` at `to`: the same symlink, or a read-only bind on a
// new directory or file. Missing host entries are skipped.
Status mirror_entry(const std::string& from, const std::string& to) {
  struct stat st;
  if (::lstat(from.c_str(), &st) != 0) return ok_status();
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlink(from.c_str(), target, sizeof target - 1);
    if (n < 0) return sys_error("readlink " + from, errno);
    return check(::symlink(std::string(target, static_cast<size_t>(n)).c_str(), to.c_str()),
                 "symlink " + to);
  }
  if (S_ISDIR(st.st_mode)) {
    YUNFN_TRY_STATUS(make_dir(to));
  } else {
    YUNFN_TRY_STATUS(make_file(to, ""));
  }
  return bind_read_only(from, to);
}

Status mount_tmpfs(const std::string& at, unsigned long flags, const std::string& options) {
  return check(::mount("tmpfs", at.c_str(), "tmpfs", flags, options.c_str()), "mount tmpfs " + at);
}

// /etc: generated identity and name files plus the host's runtime entries.
Status build_etc(const std::string& root, const InitOptions& o) {
  const std::string etc = root + "/etc";
  YUNFN_TRY_STATUS(make_dir(etc));
  const std::string uid = std::to_string(layout::kSandboxUid);
  const std::string gid = std::to_string(layout::kSandboxGid);
  YUNFN_TRY_STATUS(make_file(etc + "/passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                              "qcloud:x:" + uid + ":" + gid +
                                              "::" + layout::kHome + ":/bin/sh\n"
                                              "nobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n"));
  YUNFN_TRY_STATUS(make_file(etc + "/group", "root:x:0:\nqcloud:x:" + gid + ":\nnogroup:x:65534:\n"));
  YUNFN_TRY_STATUS(make_file(etc + "/hostname", o.hostname + "\n"));
  YUNFN_TRY_STATUS(make_file(etc + "/hosts", "127.0.0.1\tlocalhost " + o.hostname +
                                                 "\n::1\tlocalhost ip6-localhost\n"));
  YUNFN_TRY_STATUS(make_file(etc + "/resolv.conf",
                             std::string("nameserver ") + layout::kDnsAddress + "\n"));
  for (const char* e : kEtcEntries) {
    YUNFN_TRY_STATUS(mirror_entry(std::string("/etc/") + e, etc + "/" + e));
  }
  return ok_status();
}

// /dev: a small read-only tmpfs with bound device nodes, std* links and /dev/shm.
Status build_dev(const std::string& root) {
  const std::string dev = root + "/dev";
  YUNFN_TRY_STATUS(make_dir(dev));
  YUNFN_TRY_STATUS(mount_tmpfs(dev, MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755"));
  for (const char* d : kDevices) {
    const std::string to = dev + "/" + d;
    YUNFN_TRY_STATUS(make_file(to, "", 0666));
    YUNFN_TRY_STATUS(check(::mount((std::string("/dev/") + d).c_str(), to.c_str(), nullptr,
                                   MS_BIND, nullptr),
                           std::string("bind /dev/") + d));
  }
  const std::pair<const char*, const char*> links[] = {{"fd", "/proc/self/fd"},
                                                       {"stdin", "/proc/self/fd/0"},
                                                       {"stdout", "/proc/self/fd/1"},
                                                       {"stderr", "/proc/self/fd/2"}};
  for (const auto& [name, target] : links) {
    YUNFN_TRY_STATUS(check(::symlink(target, (dev + "/" + name).c_str()), "symlink /dev/" + std::string(name)));
  }
  YUNFN_TRY_STATUS(make_dir(dev + "/shm", 01777));
  YUNFN_TRY_STATUS(mount_tmpfs(dev + "/shm", MS_NOSUID | MS_NODEV, "size=64m,mode=1777"));
  return check(::mount(nullptr, dev.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
                       "size=64k,mode=0755"),
               "remount /dev read-only");
}

// /opt: nothing, the one layer, or an overlay of all (later layers on top).
Status mount_layers(const std::string& opt, const std::vector<std::string>& layers) {
  if (layers.empty()) return ok_status();
  if (layers.size() == 1) return bind_read_only(layers[0], opt);
  std::string lower = "lowerdir=";
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    if (it != layers.rbegin()) lower += ":";
    lower += *it;
  }
  return check(::mount("overlay", opt.c_str(), "overlay", kReadOnlyFlags, lower.c_str()),
               "mount layers at /opt");
}

// /var: the code, the bootstraps and the SCF interpreter prefixes.
Status build_var(const std::string& root, const InitOptions& o) {
  for (const char* d : {"/var", "/var/user", "/var/runtime", "/var/lang"}) {
    YUNFN_TRY_STATUS(make_dir(root + d));
  }
  for (const auto& [name, prefix] : scf_language_prefixes()) {
    YUNFN_TRY_STATUS(check(::symlink(prefix.c_str(), (root + "/var/lang/").append(name).c_str()),
                           "symlink /var/lang/" + name));
  }
  YUNFN_TRY_STATUS(bind_read_only(o.code_dir, root + layout::kCodeRoot));
  if (!o.runtime_dir.empty()) {
    YUNFN_TRY_STATUS(bind_read_only(o.runtime_dir, root + layout::kRuntimeRoot));
  }
  return ok_status();
}

Status build_tree(const std::string& root, const InitOptions& o) {
  YUNFN_TRY_STATUS(make_dir(root + "/usr"));
  YUNFN_TRY_STATUS(bind_read_only("/usr", root + "/usr"));
  for (const char* d : kSystemDirs) {
    YUNFN_TRY_STATUS(mirror_entry(std::string("/") + d, root + "/" + d));
  }
  YUNFN_TRY_STATUS(build_etc(root, o));
  YUNFN_TRY_STATUS(build_var(root, o));
  for (const char* d : {"/home", layout::kHome, layout::kLayerRoot, "/proc", layout::kTmp}) {
    YUNFN_TRY_STATUS(make_dir(root + d));
  }
  YUNFN_TRY_STATUS(mount_layers(root + layout::kLayerRoot, o.layer_dirs));
  YUNFN_TRY_STATUS(build_dev(root));
  YUNFN_TRY_STATUS(check(::mount("proc", (root + "/proc").c_str(), "proc",
                                 MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
                         "mount /proc"));
  return mount_tmpfs(root + layout::kTmp, MS_NOSUID | MS_NODEV,
                     "size=" + std::to_string(o.tmp_mb) + "m,mode=1777");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> scf_language_prefixes() {
  // SCF interpreter paths are /var/lang/<name>/bin/<program>; <name> links to
  // the prefix of the host's program when that prefix is under /usr.
  struct Language {
    const char* program;
    std::vector<const char*> names;
  };
  const Language languages[] = {
      {"python3", {"python3", "python36", "python37", "python39", "python310"}},
      {"python2", {"python2"}},
      {"node", {"node6", "node8", "node10", "node12", "node14", "node16", "node18"}},
      {"php", {"php5", "php7", "php74", "php80"}},
      {"java", {"java8", "java11"}},
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& lang : languages) {
    for (const char* prefix : {"/usr", "/usr/local"}) {
      std::string program = std::string(prefix) + "/bin/" + lang.program;
      if (::access(program.c_str(), X_OK) != 0) continue;
      for (const char* name : lang.names) out.emplace_back(name, prefix);
      break;
    }
  }
  return out;
}

Status enter_instance_root(const InitOptions& o) {
  // Nothing mounted here may reach the host's mount table.
  YUNFN_TRY_STATUS(check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr),
                         "make mounts private"));
  const std::string& root = o.root_mount;
  YUNFN_TRY_STATUS(mount_tmpfs(root, MS_NOSUID | MS_NODEV, "size=1m,mode=0755"));
  YUNFN_TRY_STATUS(build_tree(root, o));
  YUNFN_TRY_STATUS(check(::mount(nullptr, root.c_str(), nullptr,
                                 MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755"),
                         "remount / read-only"));
  // pivot_root(".", ".") stacks the old root on the new one; detaching it
  // leaves the instance tree alone.
  YUNFN_TRY_STATUS(check(::chdir(root.c_str()), "chdir " + root));
  YUNFN_TRY_STATUS(check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root"));
  YUNFN_TRY_STATUS(check(::umount2(".", MNT_DETACH), "detach the host tree"));
  return check(::chdir("/"), "chdir /");
}

}  // namespace yunfn::sandbox
