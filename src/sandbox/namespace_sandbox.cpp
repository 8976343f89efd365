// NamespaceSandbox: the `namespace` isolation level (ns_init.h does the work in
// the child), and make_sandbox(), which picks the level by probing whether an
// isolated instance can be set up on this machine.
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include <spdlog/spdlog.h>

#include "sandbox/cgroup.h"
#include "sandbox/child_process.h"
#include "sandbox/init_options.h"
#include "sandbox/layout.h"
#include "sandbox/sandbox.h"

namespace yunfn::sandbox {
namespace fs = std::filesystem;

namespace {

constexpr int kProbeTimeoutMs = 10000;

// Read directly, not through the Clock: this runs in a freshly forked
// process (instance set-up) where only async-signal-safe calls belong.
int64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::string find_program(const char* name) {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

struct NamespaceSettings {
  fs::path self_exe;
  fs::path root_mount;    // empty directory the instance roots are mounted on
  fs::path runtimes_dir;  // shown at /var/runtime
  std::string slirp4netns;  // empty: no outbound network on this machine
  bool trace = false;
  bool rootless = false;    // the platform is not root (unprivileged user namespaces)
};

class NamespaceSandbox final : public Sandbox {
 public:
  NamespaceSandbox(NamespaceSettings settings, CgroupLayout cgroups)
      : settings_(std::move(settings)), cgroups_(std::move(cgroups)) {}
  ~NamespaceSandbox() override { remove_cgroup_parents(cgroups_); }

  std::string isolation() const override { return "namespace"; }

  std::optional<RuntimeApiAddress> runtime_api_address() const override {
    return RuntimeApiAddress{layout::kRuntimeApiHost, layout::kRuntimeApiPort};
  }

  Result<std::unique_ptr<InstanceProcess>> launch(const LaunchSpec& spec) override {
    return start(spec, /*probe=*/false);
  }

  // Sets up an instance without running anything; ok when that worked.
  Status probe(const fs::path& code_dir, bool public_net) {
    LaunchSpec spec;
    spec.instance_id = "probe";
    spec.argv = {"/bin/true"};
    spec.working_dir = code_dir;
    spec.public_net = public_net;
    spec.memory_mb = 0;
    auto proc = start(spec, /*probe=*/true);
    if (!proc.ok()) return proc.error();
    return wait_probe(**proc);
  }

  void disable_network() { settings_.slirp4netns.clear(); }

 private:
  Result<std::unique_ptr<InstanceProcess>> start(const LaunchSpec& spec, bool probe) {
    std::optional<Cgroup> cg =
        cgroups_.version == CgroupVersion::kNone || probe
            ? std::nullopt
            : Cgroup::create(cgroups_, spec.instance_id, spec.memory_mb, spec.max_pids);
    std::vector<std::pair<std::string, std::string>> paths = {
        {spec.working_dir.string(), layout::kCodeRoot},
        {settings_.runtimes_dir.string(), layout::kRuntimeRoot}};
    // One layer directory is shown as /opt itself, so its host path reads /opt inside.
    if (spec.layer_dirs.size() == 1) paths.emplace_back(spec.layer_dirs.front().string(), layout::kLayerRoot);
    InitOptions init;
    if (cg) init.cgroup_procs = cg->procs_files();
    init.isolate = true;
    init.root_mount = settings_.root_mount.string();
    init.code_dir = spec.working_dir.string();
    init.runtime_dir = settings_.runtimes_dir.string();
    for (const auto& l : spec.layer_dirs) init.layer_dirs.push_back(l.string());
    init.tmp_mb = spec.tmp_mb;
    if (spec.public_net) init.slirp4netns = settings_.slirp4netns;
    init.trace = settings_.trace;
    init.launch_ns = monotonic_ns();
    init.probe = probe;
    init.rootless = settings_.rootless;
    init.runtime_fd = spec.runtime_fd >= 0;
    for (const auto& a : spec.argv) init.argv.push_back(rewrite_host_paths(a, paths));
    SpawnRequest request{{settings_.self_exe.string(), "sandbox-init"}, {}, "/", /*control=*/true,
                         spec.runtime_fd};
    for (auto& a : to_init_args(init)) request.args.push_back(std::move(a));
    for (const auto& e : spec.env) request.env.push_back(rewrite_host_paths(e, paths));
    return spawn_instance(request, std::move(cg));
  }

  // Waits (blocking: start-up only) for a probe to end; its stderr explains a failure.
  static Status wait_probe(InstanceProcess& proc) {
    pollfd p{proc.exit_fd(), POLLIN, 0};
    bool ended = ::poll(&p, 1, kProbeTimeoutMs) == 1;
    if (!ended) proc.kill_all();
    ExitInfo exit = proc.reap();
    std::string output;
    int err = proc.take_stderr_fd();
    char buf[4096];
    for (ssize_t n; (n = ::read(err, buf, sizeof buf)) > 0;) output.append(buf, static_cast<size_t>(n));
    ::close(err);
    ::close(proc.take_stdout_fd());
    if (ended && exit.exit_code == 0) return ok_status();
    while (!output.empty() && output.back() == '\n') output.pop_back();
    if (output.empty()) output = ended ? "set-up failed" : "set-up timed out";
    return make_error(errc::kInternalErrorSystem, output);
  }

  NamespaceSettings settings_;
  CgroupLayout cgroups_;
};

// A namespace sandbox that passed its probe, or why there is none.
Result<std::unique_ptr<Sandbox>> make_namespace_sandbox(const SandboxConfig& config) {
  std::error_code ec;
  fs::path root = config.state_dir / "root";
  fs::path probe_code = config.state_dir / "probe";
  fs::create_directories(root, ec);
  fs::create_directories(probe_code, ec);
  if (ec) return make_error(errc::kInternalErrorSystem, "cannot create " + root.string() + ": " + ec.message());
  const char* trace = std::getenv("YUNFN_SANDBOX_TRACE");
  // Without root, instances still get every namespace through an unprivileged
  // user namespace, but no cgroup limits (the cgroup tree is not ours to write).
  bool rootless = ::geteuid() != 0;
  NamespaceSettings settings{config.self_exe, root, config.runtimes_dir, find_program("slirp4netns"),
                             trace != nullptr && std::string(trace) == "1", rootless};
  bool has_net = !settings.slirp4netns.empty();
  auto sandbox = std::make_unique<NamespaceSandbox>(
      settings, config.use_cgroups && !rootless ? detect_cgroups(config.cgroup_group) : CgroupLayout{});
  auto probed = sandbox->probe(probe_code, has_net);
  if (!probed.ok() && has_net) {
    // Without outbound network instances still run isolated.
    sandbox->disable_network();
    if (sandbox->probe(probe_code, false).ok()) {
      spdlog::warn("outbound network for instances is unavailable ({}): functions run without it",
                   probed.error().message);
      probed = ok_status();
    }
  }
  if (!probed.ok()) return probed.error();
  if (!has_net) {
    spdlog::warn("slirp4netns is not installed: functions run without outbound network");
  }
  return std::unique_ptr<Sandbox>(std::move(sandbox));
}

}  // namespace

Result<std::unique_ptr<Sandbox>> make_sandbox(const SandboxConfig& config,
                                              std::string* fallback_reason) {
  ProcessSandboxConfig none{config.self_exe, config.use_cgroups, config.cgroup_group};
  if (config.isolation == IsolationLevel::kNone) return make_process_sandbox(none);
  auto ns = make_namespace_sandbox(config);
  if (ns.ok() || config.isolation == IsolationLevel::kNamespace) {
    if (!ns.ok()) {
      return Error{ns.error().code, "namespace isolation is not available: " + ns.error().message};
    }
    return ns;
  }
  if (fallback_reason != nullptr) *fallback_reason = ns.error().message;
  return make_process_sandbox(none);
}

}  // namespace yunfn::sandbox
