#include "sandbox/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

namespace yunfn::sandbox {
namespace fs = std::filesystem;

namespace {

bool write_file(const fs::path& p, const std::string& value) {
  std::ofstream f(p);
  if (!f) return false;
  f << value;
  f.flush();
  return static_cast<bool>(f);
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Value of `key N` in a flat keyed file such as memory.events.
int64_t read_key(const fs::path& p, const std::string& key) {
  std::istringstream in(read_file(p));
  std::string k;
  int64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

bool prepare_dir(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  return fs::exists(p / "cgroup.procs");
}

}  // namespace

int64_t cpu_shares_for(int memory_mb) { return std::max<int64_t>(2, memory_mb); }

int64_t cpu_weight_for(int memory_mb) {
  return std::clamp<int64_t>(int64_t{memory_mb} * 100 / 1024, 1, 10000);
}

namespace {

// The parent directories of a layout, one per hierarchy in use.
std::vector<fs::path> parent_dirs(const CgroupLayout& layout) {
  std::vector<fs::path> parents;
  for (const auto& p : {layout.v2_root, layout.v1_memory, layout.v1_pids, layout.v1_cpu,
                        layout.v1_freezer}) {
    if (!p.empty()) parents.push_back(p);
  }
  return parents;
}

// Kills every process listed in a cgroup directory, a few rounds (forks race).
void kill_procs(const fs::path& dir) {
  for (int round = 0; round < 20; ++round) {
    std::istringstream in(read_file(dir / "cgroup.procs"));
    pid_t pid = 0;
    bool any = false;
    while (in >> pid) {
      ::kill(pid, SIGKILL);
      any = true;
    }
    if (!any) return;
  }
}

// Removes an emptied cgroup directory, waiting briefly for its processes to go.
void remove_dir(const fs::path& dir) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    kill_procs(dir);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Instances an earlier run of the same server left behind (it was killed):
// each is thawed first (frozen processes die only once thawed), then its
// processes are killed and its cgroups removed. Returns how many instances.
int remove_stale_instances(const std::vector<fs::path>& parents) {
  std::set<std::string> instances;
  std::vector<fs::path> dirs;
  for (const auto& parent : parents) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
      if (!entry.is_directory(ec)) continue;
      instances.insert(entry.path().filename().string());
      dirs.push_back(entry.path());
    }
  }
  for (const auto& dir : dirs) {
    if (fs::exists(dir / "freezer.state")) write_file(dir / "freezer.state", "THAWED");
    if (fs::exists(dir / "cgroup.freeze")) write_file(dir / "cgroup.freeze", "0");
  }
  for (const auto& dir : dirs) {
    if (fs::exists(dir / "cgroup.kill")) write_file(dir / "cgroup.kill", "1");
    kill_procs(dir);
  }
  for (const auto& dir : dirs) remove_dir(dir);
  return static_cast<int>(instances.size());
}

}  // namespace

void remove_cgroup_parents(const CgroupLayout& layout) {
  if (!layout.owned) return;
  for (const auto& dir : parent_dirs(layout)) ::rmdir(dir.c_str());  // fails while not empty
}

CgroupLayout detect_cgroups(const std::string& group) {
  CgroupLayout layout = detect_cgroup_parents(group.empty() ? "yunfn" : "yunfn/" + group);
  if (group.empty()) return layout;
  layout.owned = true;
  layout.stale_instances_removed = remove_stale_instances(parent_dirs(layout));
  if (layout.stale_instances_removed > 0) {
    spdlog::warn("removed {} instance(s) an earlier run of this server left behind",
                 layout.stale_instances_removed);
  }
  return layout;
}

CgroupLayout detect_cgroup_parents(const std::string& parent_name) {
  CgroupLayout layout;
  if (geteuid() != 0) return layout;
  // Pure v2: controllers listed at the root.
  fs::path root = "/sys/fs/cgroup";
  if (fs::exists(root / "cgroup.controllers")) {
    std::string controllers = read_file(root / "cgroup.controllers");
    if (controllers.find("memory") != std::string::npos &&
        controllers.find("pids") != std::string::npos) {
      bool cpu = controllers.find("cpu ") != std::string::npos ||
                 controllers.find("cpu\n") != std::string::npos;
      std::string enable = cpu ? "+memory +pids +cpu" : "+memory +pids";
      write_file(root / "cgroup.subtree_control", enable);
      fs::path parent = root / parent_name;
      if (prepare_dir(parent)) {
        // Each level below the root passes the controllers on (parent_name
        // is "yunfn" or "yunfn/<group>").
        write_file(root / "yunfn" / "cgroup.subtree_control", enable);
        write_file(parent / "cgroup.subtree_control", enable);
        layout.version = CgroupVersion::kV2;
        layout.v2_root = parent;
        layout.v2_cpu = cpu && fs::exists(parent / "cpu.weight");
        return layout;
      }
    }
  }
  // v1 (or hybrid with the controllers on v1).
  if (fs::exists(root / "memory" / "cgroup.procs") && fs::exists(root / "pids" / "cgroup.procs")) {
    layout.v1_memory = root / "memory" / parent_name;
    layout.v1_pids = root / "pids" / parent_name;
    if (prepare_dir(layout.v1_memory) && prepare_dir(layout.v1_pids)) {
      layout.version = CgroupVersion::kV1;
      // The cpu controller is optional: without it there is no CPU share.
      if (fs::exists(root / "cpu" / "cpu.shares") && prepare_dir(root / "cpu" / parent_name)) {
        layout.v1_cpu = root / "cpu" / parent_name;
      }
      // So is the freezer: without it idle instances are not frozen.
      if (fs::exists(root / "freezer" / "cgroup.procs") &&
          prepare_dir(root / "freezer" / parent_name)) {
        layout.v1_freezer = root / "freezer" / parent_name;
      }
    }
  }
  return layout;
}

std::optional<Cgroup> Cgroup::create(const CgroupLayout& layout, const std::string& name,
                                     int memory_mb, int max_pids) {
  int64_t bytes = static_cast<int64_t>(memory_mb) * 1024 * 1024;
  if (layout.version == CgroupVersion::kV2) {
    fs::path dir = layout.v2_root / name;
    if (!prepare_dir(dir)) return std::nullopt;
    Cgroup cg(CgroupVersion::kV2, {dir});
    cg.freezer_ = std::make_shared<Freezer>(dir / "cgroup.freeze", "1", "0");
    if (memory_mb > 0) {
      write_file(dir / "memory.max", std::to_string(bytes));
      write_file(dir / "memory.swap.max", "0");
    }
    write_file(dir / "pids.max", std::to_string(max_pids));
    if (layout.v2_cpu && memory_mb > 0) {
      write_file(dir / "cpu.weight", std::to_string(cpu_weight_for(memory_mb)));
    }
    return cg;
  }
  if (layout.version == CgroupVersion::kV1) {
    fs::path mem = layout.v1_memory / name;
    fs::path pids = layout.v1_pids / name;
    if (!prepare_dir(mem) || !prepare_dir(pids)) return std::nullopt;
    std::vector<fs::path> dirs = {mem, pids};
    if (!layout.v1_cpu.empty() && prepare_dir(layout.v1_cpu / name)) {
      dirs.push_back(layout.v1_cpu / name);
      if (memory_mb > 0) {
        write_file(dirs.back() / "cpu.shares", std::to_string(cpu_shares_for(memory_mb)));
      }
    }
    fs::path freezer;
    if (!layout.v1_freezer.empty() && prepare_dir(layout.v1_freezer / name)) {
      freezer = layout.v1_freezer / name;
      dirs.push_back(freezer);
    }
    Cgroup cg(CgroupVersion::kV1, dirs);
    if (!freezer.empty()) cg.freezer_ = std::make_shared<Freezer>(freezer / "freezer.state", "FROZEN", "THAWED");
    if (memory_mb > 0) {
      write_file(mem / "memory.limit_in_bytes", std::to_string(bytes));
      // Swap off: memory+swap limited to the same amount, where accounting exists.
      if (fs::exists(mem / "memory.memsw.limit_in_bytes")) {
        write_file(mem / "memory.memsw.limit_in_bytes", std::to_string(bytes));
      }
      write_file(mem / "memory.swappiness", "0");
    }
    write_file(pids / "pids.max", std::to_string(max_pids));
    return cg;
  }
  return std::nullopt;
}

Cgroup::Cgroup(Cgroup&& o) noexcept
    : version_(o.version_), dirs_(std::move(o.dirs_)), freezer_(std::move(o.freezer_)),
      peak_fd_(std::exchange(o.peak_fd_, -1)) {
  o.dirs_.clear();
}

Cgroup::~Cgroup() {
  if (peak_fd_ >= 0) ::close(peak_fd_);
  if (dirs_.empty()) return;
  kill_all();
  // rmdir succeeds once the last process is gone; retry briefly.
  for (int attempt = 0; attempt < 50; ++attempt) {
    bool all_removed = true;
    for (const auto& d : dirs_) {
      if (fs::exists(d) && ::rmdir(d.c_str()) != 0) all_removed = false;
    }
    if (all_removed) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::vector<std::string> Cgroup::procs_files() const {
  std::vector<std::string> out;
  for (const auto& d : dirs_) out.push_back((d / "cgroup.procs").string());
  return out;
}

void Cgroup::kill_all() {
  if (dirs_.empty()) return;
  // v1 delivers SIGKILL to frozen tasks only once they are thawed.
  if (freezer_) freezer_->thaw();
  if (version_ == CgroupVersion::kV2 && fs::exists(dirs_[0] / "cgroup.kill")) {
    write_file(dirs_[0] / "cgroup.kill", "1");
    return;
  }
  // v1: kill every listed pid until none are left (new forks may race in); the
  // pids cgroup lists every process of the instance.
  kill_procs(version_ == CgroupVersion::kV1 ? dirs_[1] : dirs_[0]);
}

int Cgroup::peak_fd() {
  // Opened once: the file is read and reset on every invocation, and on v2 a
  // reset applies to the descriptor it was written through (Linux 6.12+).
  if (peak_fd_ < 0 && !dirs_.empty()) {
    const char* file = version_ == CgroupVersion::kV2 ? "memory.peak" : "memory.max_usage_in_bytes";
    peak_fd_ = ::open((dirs_[0] / file).c_str(), O_RDWR | O_CLOEXEC);
  }
  return peak_fd_;
}

int64_t Cgroup::peak_memory_bytes() {
  char buf[32];
  const int fd = peak_fd();
  ssize_t n = fd < 0 ? -1 : ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return std::strtoll(buf, nullptr, 10);
}

void Cgroup::reset_peak_memory() {
  const int fd = peak_fd();
  // Kernels before 6.12 cannot reset memory.peak: the figure is then the
  // instance's peak so far.
  if (fd >= 0 && ::pwrite(fd, "0", 1, 0) < 0) return;
}

int64_t Cgroup::oom_kills() const {
  if (dirs_.empty()) return 0;
  if (version_ == CgroupVersion::kV2) return read_key(dirs_[0] / "memory.events", "oom_kill");
  return read_key(dirs_[0] / "memory.oom_control", "oom_kill");
}

}  // namespace yunfn::sandbox
