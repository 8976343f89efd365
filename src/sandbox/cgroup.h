// Cgroup: the control group of one instance, on cgroup v2 or v1 (memory and
// pids controllers, and cpu and freezer when present). Detects the layout once. Used from
// the loop thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/freezer.h"

namespace yunfn::sandbox {

enum class CgroupVersion { kNone, kV1, kV2 };

// Where yunfn's cgroups live on this machine.
struct CgroupLayout {
  CgroupVersion version = CgroupVersion::kNone;
  std::filesystem::path v2_root;      // .../yunfn on a v2 hierarchy with memory+pids
  std::filesystem::path v1_memory;    // /sys/fs/cgroup/memory/yunfn
  std::filesystem::path v1_pids;      // /sys/fs/cgroup/pids/yunfn
  std::filesystem::path v1_cpu;       // /sys/fs/cgroup/cpu/yunfn, empty when absent
  std::filesystem::path v1_freezer;   // /sys/fs/cgroup/freezer/yunfn, empty when absent
  bool v2_cpu = false;                // the cpu controller is enabled on v2
  int stale_instances_removed = 0;    // cgroups of an earlier run removed at start
  bool owned = false;                 // parents of this server's own group
};

// CPU share of an instance, proportional to its memory as SCF allocates CPU:
// 1024 MB gets the default share (v1 cpu.shares 1024, v2 cpu.weight 100).
int64_t cpu_shares_for(int memory_mb);
int64_t cpu_weight_for(int memory_mb);

// Detects and prepares the parent cgroups of instances; version kNone when
// unusable. With an empty `group` the parents are the shared `yunfn` ones.
// With a group (one per data directory) they are `yunfn/<group>`, owned by
// this server alone: instances an earlier run left behind (it was killed)
// are killed and their cgroups removed.
CgroupLayout detect_cgroups(const std::string& group = "");
// Removes the parents of an owned group once their instances are gone (server
// shutdown); a no-op for the shared parents.
void remove_cgroup_parents(const CgroupLayout& layout);
// The parent cgroups named `parent_name` under each hierarchy, prepared.
CgroupLayout detect_cgroup_parents(const std::string& parent_name);

class Cgroup {
 public:
  // Creates the instance's cgroup(s) with the limits (memory_mb 0: no memory
  // limit; the CPU share follows memory_mb); nullopt when it fails.
  static std::optional<Cgroup> create(const CgroupLayout& layout, const std::string& name,
                                      int memory_mb, int max_pids);
  Cgroup(Cgroup&&) noexcept;
  Cgroup& operator=(Cgroup&&) = delete;
  ~Cgroup();

  // The cgroup.procs files the instance's first process writes itself into.
  std::vector<std::string> procs_files() const;
  void kill_all();
  int64_t peak_memory_bytes();
  void reset_peak_memory();
  // Number of OOM kills in this cgroup so far.
  int64_t oom_kills() const;
  // Stops and resumes every process of the instance; null when this machine
  // has no freezer for it.
  std::shared_ptr<Freezer> freezer() const { return freezer_; }

 private:
  Cgroup(CgroupVersion v, std::vector<std::filesystem::path> dirs) : version_(v), dirs_(std::move(dirs)) {}
  CgroupVersion version_;
  // v2: {dir}; v1: {memory dir, pids dir[, cpu dir][, freezer dir]}
  std::vector<std::filesystem::path> dirs_;
  std::shared_ptr<Freezer> freezer_;
  int peak_fd_ = -1;  // memory.peak (v2) or memory.max_usage_in_bytes (v1), opened on first use
  int peak_fd();
};

}  // namespace yunfn::sandbox
