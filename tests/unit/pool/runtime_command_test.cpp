// Tests for the Java runtime's command line (pool/runtime_command.h): the JVM's flags,
// its heap sized from the function's memory, the class path of code and layers, and the
// errors when the JDK or Jackson is missing.
#include "pool/runtime_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace yunfn::pool {
namespace {

RuntimePaths java_paths() {
  RuntimePaths p;
  p.bootstraps_dir = "/data/runtimes";
  p.java = "/usr/bin/java";
  p.jackson_jars = {"/usr/share/java/jackson-databind.jar", "/usr/share/java/jackson-core.jar",
                    "/usr/share/java/jackson-annotations.jar"};
  return p;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(RuntimeCommand, JavaHeapLeavesTheJvmItsOwnMemory) {
  EXPECT_EQ(java_heap_mb(64), 16);  // the floor
  EXPECT_EQ(java_heap_mb(128), 64);
  EXPECT_EQ(java_heap_mb(256), 192);
  EXPECT_EQ(java_heap_mb(512), 448);
  EXPECT_EQ(java_heap_mb(1024), 896);  // 1/8 from here on
  EXPECT_EQ(java_heap_mb(3072), 2688);
}

TEST(RuntimeCommand, JavaRunsTheBootstrapOnTheJdkWithCodeAndLayersOnTheClassPath) {
  for (const char* runtime : {"Java8", "Java11"}) {
    auto cmd = runtime_command(java_paths(), runtime, "/code/abc", "", false, 256);
    ASSERT_TRUE(cmd.ok()) << cmd.error().message;
    const auto& argv = cmd->argv;
    EXPECT_EQ(argv.front(), "/usr/bin/java");
    EXPECT_EQ(argv.back(), "yunfn.runtime.Bootstrap");
    EXPECT_TRUE(has(argv, "-Xmx192m"));
    EXPECT_TRUE(has(argv, "-XX:+UseSerialGC"));
    EXPECT_TRUE(has(argv, "-XX:TieredStopAtLevel=1"));
    EXPECT_TRUE(has(argv, "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED"));
    auto cp = std::find(argv.begin(), argv.end(), "-cp");
    ASSERT_NE(cp, argv.end());
    const std::string classpath =
        "/data/runtimes/java/runtime.jar:/usr/share/java/jackson-databind.jar:"
        "/usr/share/java/jackson-core.jar:/usr/share/java/jackson-annotations.jar:"
        "/code/abc:/code/abc/*:/code/abc/lib/*:/opt:/opt/*:/opt/lib/*";
    EXPECT_EQ(*(cp + 1), classpath);
    EXPECT_TRUE(has(cmd->extra_env, "CLASSPATH=" + classpath));
    EXPECT_TRUE(has(cmd->extra_env, "LD_LIBRARY_PATH=/code/abc:/code/abc/lib:/opt:/opt/lib"));
    EXPECT_TRUE(cmd->framed);
  }
}

TEST(RuntimeCommand, LayersReplaceOptInTheSearchPaths) {
  auto cmd = runtime_command(java_paths(), "Java11", "/code", "/views/l1", false, 256);
  ASSERT_TRUE(cmd.ok()) << cmd.error().message;
  EXPECT_TRUE(has(cmd->extra_env, "LD_LIBRARY_PATH=/code:/code/lib:/views/l1:/views/l1/lib"));
  auto cp = std::find(cmd->argv.begin(), cmd->argv.end(), "-cp");
  ASSERT_NE(cp, cmd->argv.end());
  EXPECT_TRUE((cp + 1)->ends_with(":/views/l1:/views/l1/*:/views/l1/lib/*")) << *(cp + 1);
  RuntimePaths py;
  py.python3 = "/usr/bin/python3";
  auto python = runtime_command(py, "Python3.9", "/code", "/views/l1");
  ASSERT_TRUE(python.ok());
  EXPECT_TRUE(has(python->extra_env, "PYTHONPATH=/code:/views/l1"));
}

TEST(RuntimeCommand, JavaNeedsTheJdkAndJackson) {
  auto no_java = java_paths();
  no_java.java.clear();
  auto cmd = runtime_command(no_java, "Java11", "/code", "", false, 128);
  ASSERT_FALSE(cmd.ok());
  EXPECT_NE(cmd.error().message.find("java is not installed"), std::string::npos);
  auto no_jackson = java_paths();
  no_jackson.jackson_jars.clear();
  cmd = runtime_command(no_jackson, "Java11", "/code", "", false, 128);
  ASSERT_FALSE(cmd.ok());
  EXPECT_NE(cmd.error().message.find("libjackson2-databind-java"), std::string::npos);
}

}  // namespace
}  // namespace yunfn::pool
