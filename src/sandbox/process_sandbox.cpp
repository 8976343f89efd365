// ProcessSandbox: the `none` isolation level. Each instance is a child process
// in its own session (so its tree can be signalled) and, as root, its own
// cgroup with the function's memory limit, a pids limit and a CPU share.
#include <optional>

#include "sandbox/cgroup.h"
#include "sandbox/child_process.h"
#include "sandbox/init_options.h"
#include "sandbox/sandbox.h"

namespace yunfn::sandbox {
namespace {

class ProcessSandbox final : public Sandbox {
 public:
  explicit ProcessSandbox(const ProcessSandboxConfig& config) : config_(config) {
    if (config_.use_cgroups) layout_ = detect_cgroups(config_.cgroup_group);
  }

  ~ProcessSandbox() override { remove_cgroup_parents(layout_); }

  std::string isolation() const override { return "none"; }

  Result<std::unique_ptr<InstanceProcess>> launch(const LaunchSpec& spec) override {
    std::optional<Cgroup> cg =
        layout_.version == CgroupVersion::kNone
            ? std::nullopt
            : Cgroup::create(layout_, spec.instance_id, spec.memory_mb, spec.max_pids);
    // `yunfn sandbox-init [--cgroup-procs FILE]... -- argv...`
    InitOptions init;
    if (cg) init.cgroup_procs = cg->procs_files();
    init.argv = spec.argv;
    init.runtime_fd = spec.runtime_fd >= 0;
    SpawnRequest request{{config_.self_exe.string(), "sandbox-init"}, spec.env,
                         spec.working_dir.string(), /*control=*/false, spec.runtime_fd};
    for (auto& a : to_init_args(init)) request.args.push_back(std::move(a));
    return spawn_instance(request, std::move(cg));
  }

 private:
  ProcessSandboxConfig config_;
  CgroupLayout layout_;
};

}  // namespace

std::unique_ptr<Sandbox> make_process_sandbox(const ProcessSandboxConfig& config) {
  return std::make_unique<ProcessSandbox>(config);
}

}  // namespace yunfn::sandbox
