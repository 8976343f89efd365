#include "sandbox/init_options.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sandbox/cgroup.h"

#include "../test_support.h"

namespace yunfn::sandbox {
namespace {

using test_support::fails_exactly;

TEST(InitOptions, RoundTripsEveryField) {
  InitOptions o;
  o.cgroup_procs = {"/sys/fs/cgroup/memory/yunfn/a/cgroup.procs", "/p/cgroup.procs"};
  o.isolate = true;
  o.root_mount = "/data/sandbox/root";
  o.code_dir = "/data/code/unpacked/abc";
  o.runtime_dir = "/data/runtimes";
  o.layer_dirs = {"/l1", "/l2"};
  o.tmp_mb = 64;
  o.slirp4netns = "/usr/bin/slirp4netns";
  o.hostname = "host-1";
  o.trace = true;
  o.launch_ns = 123456789;
  o.probe = true;
  o.argv = {"/usr/bin/python3", "-u", "--", "--isolate"};
  auto parsed = parse_init_args(to_init_args(o));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->cgroup_procs, o.cgroup_procs);
  EXPECT_TRUE(parsed->isolate);
  EXPECT_EQ(parsed->root_mount, o.root_mount);
  EXPECT_EQ(parsed->code_dir, o.code_dir);
  EXPECT_EQ(parsed->runtime_dir, o.runtime_dir);
  EXPECT_EQ(parsed->layer_dirs, o.layer_dirs);
  EXPECT_EQ(parsed->tmp_mb, 64);
  EXPECT_EQ(parsed->slirp4netns, o.slirp4netns);
  EXPECT_EQ(parsed->hostname, "host-1");
  EXPECT_TRUE(parsed->trace);
  EXPECT_EQ(parsed->launch_ns, 123456789);
  EXPECT_TRUE(parsed->probe);
  // Everything after the first "--" is the program, even option-like words.
  EXPECT_EQ(parsed->argv, o.argv);
}

TEST(InitOptions, PlainLaunchOnlyJoinsCgroups) {
  InitOptions o;
  o.cgroup_procs = {"/x/cgroup.procs"};
  o.argv = {"/bin/true"};
  auto args = to_init_args(o);
  EXPECT_EQ(args, (std::vector<std::string>{"--cgroup-procs", "/x/cgroup.procs", "--", "/bin/true"}));
  auto parsed = parse_init_args(args);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->isolate);
  EXPECT_TRUE(parsed->slirp4netns.empty());
}

TEST(InitOptions, RejectsBadCommandLines) {
  // Not an SCF error: the code is InternalError.System and the message says
  // which argument is wrong.
  using Args = std::vector<std::string>;
  const std::vector<std::pair<Args, std::string>> cases = {
      {Args{}, "sandbox-init: no program to run"},
      {Args{"--"}, "sandbox-init: no program to run"},
      {Args{"--bogus", "--", "/bin/true"}, "sandbox-init: unknown argument --bogus"},
      {Args{"--code"}, "sandbox-init: --code needs a value"},
      {Args{"--tmp-mb", "x", "--", "/bin/true"}, "sandbox-init: bad --tmp-mb x"},
      {Args{"--tmp-mb", "0", "--", "/bin/true"}, "sandbox-init: bad --tmp-mb 0"},
      {Args{"--trace", "12a", "--", "/bin/true"}, "sandbox-init: bad --trace 12a"},
      {Args{"--isolate", "--", "/bin/true"},
       "sandbox-init: --isolate needs --root-mount and --code"},
      {Args{"/bin/true"}, "sandbox-init: unknown argument /bin/true"},
  };
  for (const auto& [bad, message] : cases) {
    EXPECT_TRUE(fails_exactly(parse_init_args(bad), "InternalError.System", message))
        << ::testing::PrintToString(bad);
  }
}

TEST(RewriteHostPaths, ReplacesWholePathsOnly) {
  std::vector<std::pair<std::string, std::string>> map = {{"/d/code/abc", "/var/user"},
                                                          {"/d/runtimes", "/var/runtime"}};
  EXPECT_EQ(rewrite_host_paths("/d/code/abc", map), "/var/user");
  EXPECT_EQ(rewrite_host_paths("/d/code/abc/scf_bootstrap", map), "/var/user/scf_bootstrap");
  EXPECT_EQ(rewrite_host_paths("PYTHONPATH=/d/code/abc:/opt", map), "PYTHONPATH=/var/user:/opt");
  EXPECT_EQ(rewrite_host_paths("NODE_PATH=/d/code/abc:/d/code/abc/node_modules:/opt", map),
            "NODE_PATH=/var/user:/var/user/node_modules:/opt");
  EXPECT_EQ(rewrite_host_paths("/d/runtimes/python3/bootstrap.py", map),
            "/var/runtime/python3/bootstrap.py");
  // Not a whole path component: left alone.
  EXPECT_EQ(rewrite_host_paths("/d/code/abcdef", map), "/d/code/abcdef");
  EXPECT_EQ(rewrite_host_paths("X=/x/d/code/abc", map), "X=/x/d/code/abc");
  EXPECT_EQ(rewrite_host_paths("hello", map), "hello");
}

TEST(CgroupShares, FollowMemory) {
  EXPECT_EQ(cpu_shares_for(1024), 1024);
  EXPECT_EQ(cpu_shares_for(128), 128);
  EXPECT_EQ(cpu_shares_for(0), 2);
  EXPECT_EQ(cpu_weight_for(1024), 100);
  EXPECT_EQ(cpu_weight_for(128), 12);
  EXPECT_EQ(cpu_weight_for(3072), 300);
  EXPECT_EQ(cpu_weight_for(1), 1);
}

}  // namespace
}  // namespace yunfn::sandbox
