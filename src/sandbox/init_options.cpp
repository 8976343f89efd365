#include "sandbox/init_options.h"

#include <charconv>

namespace yunfn::sandbox {
namespace {

Error bad(const std::string& what) { return make_error(errc::kInternalErrorSystem, what); }

template <typename T>
bool parse_number(const std::string& s, T* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::vector<std::string> to_init_args(const InitOptions& o) {
  std::vector<std::string> a;
  for (const auto& f : o.cgroup_procs) a.insert(a.end(), {"--cgroup-procs", f});
  if (o.isolate) {
    a.insert(a.end(), {"--isolate", "--root-mount", o.root_mount, "--code", o.code_dir,
                       "--runtime", o.runtime_dir, "--tmp-mb", std::to_string(o.tmp_mb),
                       "--hostname", o.hostname});
    for (const auto& l : o.layer_dirs) a.insert(a.end(), {"--layer", l});
    if (!o.slirp4netns.empty()) a.insert(a.end(), {"--slirp4netns", o.slirp4netns});
  }
  if (o.trace) a.insert(a.end(), {"--trace", std::to_string(o.launch_ns)});
  if (o.probe) a.push_back("--probe");
  if (o.rootless) a.push_back("--rootless");
  if (o.runtime_fd) a.push_back("--runtime-fd");
  a.push_back("--");
  a.insert(a.end(), o.argv.begin(), o.argv.end());
  return a;
}

Result<InitOptions> parse_init_args(const std::vector<std::string>& args) {
  InitOptions o;
  size_t i = 0;
  // Options that take one value, and where the value goes.
  auto value = [&](const std::string& name) -> Result<std::string> {
    if (i + 1 >= args.size()) return bad("sandbox-init: " + name + " needs a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      o.argv.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      if (o.argv.empty()) return bad("sandbox-init: no program to run");
      if (o.isolate && (o.root_mount.empty() || o.code_dir.empty())) {
        return bad("sandbox-init: --isolate needs --root-mount and --code");
      }
      return o;
    }
    if (a == "--isolate") {
      o.isolate = true;
    } else if (a == "--probe") {
      o.probe = true;
    } else if (a == "--rootless") {
      o.rootless = true;
    } else if (a == "--runtime-fd") {
      o.runtime_fd = true;
    } else if (a == "--cgroup-procs") {
      YUNFN_TRY(v, value(a));
      o.cgroup_procs.push_back(v);
    } else if (a == "--root-mount") {
      YUNFN_TRY(v, value(a));
      o.root_mount = v;
    } else if (a == "--code") {
      YUNFN_TRY(v, value(a));
      o.code_dir = v;
    } else if (a == "--runtime") {
      YUNFN_TRY(v, value(a));
      o.runtime_dir = v;
    } else if (a == "--layer") {
      YUNFN_TRY(v, value(a));
      o.layer_dirs.push_back(v);
    } else if (a == "--slirp4netns") {
      YUNFN_TRY(v, value(a));
      o.slirp4netns = v;
    } else if (a == "--hostname") {
      YUNFN_TRY(v, value(a));
      o.hostname = v;
    } else if (a == "--tmp-mb") {
      YUNFN_TRY(v, value(a));
      if (!parse_number(v, &o.tmp_mb) || o.tmp_mb <= 0) return bad("sandbox-init: bad --tmp-mb " + v);
    } else if (a == "--trace") {
      YUNFN_TRY(v, value(a));
      if (!parse_number(v, &o.launch_ns)) return bad("sandbox-init: bad --trace " + v);
      o.trace = true;
    } else {
      return bad("sandbox-init: unknown argument " + a);
    }
  }
  return bad("sandbox-init: no program to run");
}

}  // namespace yunfn::sandbox

namespace yunfn::sandbox {

std::string rewrite_host_paths(std::string s,
                               const std::vector<std::pair<std::string, std::string>>& map) {
  for (const auto& [from, to] : map) {
    if (from.empty()) continue;
    size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
      size_t end = pos + from.size();
      bool starts = pos == 0 || s[pos - 1] == '=' || s[pos - 1] == ':';
      bool ends = end == s.size() || s[end] == '/' || s[end] == ':';
      if (starts && ends) {
        s.replace(pos, from.size(), to);
        pos += to.size();
      } else {
        pos = end;
      }
    }
  }
  return s;
}

}  // namespace yunfn::sandbox
