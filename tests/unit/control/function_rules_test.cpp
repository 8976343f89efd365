// Tests for the SCF function-setting rules (control/function_rules.h): every
// check with valid and invalid values at its boundaries, the SCF error code of
// each failure and a message that names the offending field.
#include "control/function_rules.h"
#include "../test_support.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace yunfn::control {
namespace {

using EnvList = std::vector<std::pair<std::string, std::string>>;

using test_support::fails_with;

// A name of `n` characters: a letter, then digits and letters.
std::string name_of_length(size_t n) {
  std::string s = "f";
  while (s.size() < n) s += static_cast<char>('a' + s.size() % 26);
  return s;
}

// ---------------------------------------------------------------------------
// FunctionName and Namespace
// ---------------------------------------------------------------------------

TEST(FunctionRules, FunctionNameLengthIs2To60) {
  EXPECT_TRUE(check_function_name("ab").ok());
  EXPECT_TRUE(check_function_name(name_of_length(60)).ok());
  EXPECT_TRUE(fails_with(check_function_name("a"), "InvalidParameterValue.FunctionName",
                         "FunctionName"));
  EXPECT_TRUE(fails_with(check_function_name(""), "InvalidParameterValue.FunctionName",
                         "FunctionName"));
  EXPECT_TRUE(fails_with(check_function_name(name_of_length(61)),
                         "InvalidParameterValue.FunctionName", "FunctionName"));
}

TEST(FunctionRules, FunctionNameStartsWithALetter) {
  EXPECT_TRUE(check_function_name("Hello").ok());
  for (const char* bad : {"1hello", "9a", "_hello", "-hello"}) {
    EXPECT_TRUE(fails_with(check_function_name(bad), "InvalidParameterValue.FunctionName",
                           "FunctionName"))
        << bad;
  }
}

TEST(FunctionRules, FunctionNameDoesNotEndWithDashOrUnderscore) {
  EXPECT_TRUE(check_function_name("hello-world_2").ok());
  EXPECT_TRUE(check_function_name("a-_-b").ok());
  EXPECT_TRUE(check_function_name("ab9").ok());
  for (const char* bad : {"hello-", "hello_", "a_"}) {
    EXPECT_TRUE(fails_with(check_function_name(bad), "InvalidParameterValue.FunctionName",
                           "FunctionName"))
        << bad;
  }
}

TEST(FunctionRules, FunctionNameAllowsOnlyLettersDigitsDashUnderscore) {
  for (const char* bad : {"a.b", "a b", "a/b", "a$b", "ab\n", "a\xC3\xA9z", "a:b", "a%b"}) {
    EXPECT_TRUE(fails_with(check_function_name(bad), "InvalidParameterValue.FunctionName",
                           "FunctionName"))
        << bad;
  }
  EXPECT_TRUE(fails_with(check_function_name(std::string("a\0b", 3)),
                         "InvalidParameterValue.FunctionName", "FunctionName"));
}

TEST(FunctionRules, NamespaceNameIs1To30NameChars) {
  EXPECT_TRUE(check_namespace_name("default").ok());
  EXPECT_TRUE(check_namespace_name("a").ok());
  EXPECT_TRUE(check_namespace_name("1").ok());
  EXPECT_TRUE(check_namespace_name("team_a-1").ok());
  EXPECT_TRUE(check_namespace_name(std::string(30, 'n')).ok());
  EXPECT_TRUE(fails_with(check_namespace_name(""), "InvalidParameterValue.Namespace", "Namespace"));
  EXPECT_TRUE(fails_with(check_namespace_name(std::string(31, 'n')),
                         "InvalidParameterValue.Namespace", "Namespace"));
  for (const char* bad : {"a.b", "a b", "../x"}) {
    EXPECT_TRUE(fails_with(check_namespace_name(bad), "InvalidParameterValue.Namespace",
                           "Namespace"))
        << bad;
  }
}

// ---------------------------------------------------------------------------
// Runtime, Type, Handler
// ---------------------------------------------------------------------------

TEST(FunctionRules, RuntimeMustBeAKnownScfName) {
  for (const char* ok :
       {"Python3.6", "Python3.7", "Python3.9", "Python3.10", "Python3.11", "Nodejs10.15",
        "Nodejs12.16", "Nodejs14.18", "Nodejs16.13", "Nodejs18.15", "Nodejs20.14", "Php7", "Php7.2",
        "Php7.4", "Php8.0", "Java8", "Java11", "Go1", "CustomRuntime"}) {
    EXPECT_TRUE(check_runtime(ok).ok()) << ok;
  }
  for (const char* bad :
       {"", "Python2.7", "python3.9", "Python3", "Python3.9 ", "Nodejs8.9", "Go", "Go2", "go1",
        "Java", "Java17", "java11", "Java11 ", "Nodejs16", "customruntime", "Php5.6", "Php8",
        "php8.0", "Php8.2"}) {
    EXPECT_TRUE(fails_with(check_runtime(bad), "InvalidParameterValue.Runtime", "Runtime")) << bad;
  }
}

TEST(FunctionRules, TypeIsEventOrHttp) {
  EXPECT_EQ(function_type_param("Event").value(), store::FunctionType::kEvent);
  EXPECT_EQ(function_type_param("HTTP").value(), store::FunctionType::kHttp);
  EXPECT_TRUE(fails_with(function_type_param("event"), "InvalidParameterValue.Type", "Type"));
  EXPECT_TRUE(fails_with(function_type_param("Http"), "InvalidParameterValue.Type", "Type"));
  EXPECT_TRUE(fails_with(function_type_param(""), "InvalidParameterValue.Type", "Type"));
}

TEST(FunctionRules, EventHandlerIsFileDotFunction) {
  for (const char* runtime : {"Python3.9", "Nodejs16.13"}) {
    EXPECT_TRUE(check_handler("index.main_handler", runtime, store::FunctionType::kEvent).ok()) << runtime;
    EXPECT_TRUE(check_handler("app.handler", runtime, store::FunctionType::kEvent).ok());
    EXPECT_TRUE(check_handler("src/app.handler", runtime, store::FunctionType::kEvent).ok());
    EXPECT_TRUE(check_handler("my-file_2.do-it_3", runtime, store::FunctionType::kEvent).ok());
    for (const char* bad : {"index", "index.", ".main_handler", "index.main.handler",
                            "../index.main", "/abs/index.main", "a..b/c.main", "index.main/x",
                            "in dex.main", "index.main handler", "index.main$"}) {
      EXPECT_TRUE(fails_with(check_handler(bad, runtime, store::FunctionType::kEvent),
                             "InvalidParameterValue.Handler", "Handler"))
          << runtime << " " << bad;
    }
  }
}

TEST(FunctionRules, JavaHandlerIsPackageClassColonColonMethod) {
  for (const char* runtime : {"Java8", "Java11"}) {
    for (const char* ok : {"example.Hello::mainHandler", "Hello::main", "a.b.c.D$Inner::m_2",
                           "com.example_1.$Proxy::$run"}) {
      EXPECT_TRUE(check_handler(ok, runtime, store::FunctionType::kEvent).ok()) << ok;
    }
    for (const char* bad :
         {"example.Hello", "example.Hello::", "::mainHandler", "example.Hello.mainHandler",
          "example..Hello::m", ".Hello::m", "example.Hello.::m", "example.1Hello::m",
          "example.Hello::1m", "example.Hel-lo::m", "example/Hello::m", "example.Hello::m::n",
          "example.Hello:m", "index.main_handler"}) {
      EXPECT_TRUE(fails_with(check_handler(bad, runtime, store::FunctionType::kEvent),
                             "InvalidParameterValue.Handler", "Handler"))
          << runtime << " " << bad;
    }
    EXPECT_TRUE(fails_with(check_handler("", runtime, store::FunctionType::kEvent),
                           "MissingParameter", "Handler"));
  }
  // Up to 256 characters.
  std::string cls = "a." + std::string(250, 'B');
  EXPECT_TRUE(check_handler(cls + "::mm", "Java11", store::FunctionType::kEvent).ok());
  EXPECT_TRUE(fails_with(check_handler(cls + "::mmm", "Java11", store::FunctionType::kEvent),
                         "InvalidParameterValue.Handler", "Handler"));
}

TEST(FunctionRules, EventHandlerPartsAreAtMost60Chars) {
  std::string f60(60, 'f');
  EXPECT_TRUE(check_handler(f60 + "." + f60, "Python3.9", store::FunctionType::kEvent).ok());
  EXPECT_TRUE(fails_with(check_handler(f60 + "f." + f60, "Python3.9", store::FunctionType::kEvent),
                         "InvalidParameterValue.Handler", "Handler"));
  EXPECT_TRUE(fails_with(check_handler(f60 + "." + f60 + "f", "Python3.9", store::FunctionType::kEvent),
                         "InvalidParameterValue.Handler", "Handler"));
}

TEST(FunctionRules, EventHandlerIsRequiredForLanguageRuntimes) {
  EXPECT_TRUE(fails_with(check_handler("", "Python3.9", store::FunctionType::kEvent), "MissingParameter", "Handler"));
  EXPECT_TRUE(fails_with(check_handler("", "Nodejs18.15", store::FunctionType::kEvent), "MissingParameter", "Handler"));
}

TEST(FunctionRules, GoHandlerIsTheExecutablesFileName) {
  for (const char* ok : {"main", "server.bin", "my-func_2", "index.main_handler"}) {
    EXPECT_TRUE(check_handler(ok, "Go1", store::FunctionType::kEvent).ok()) << ok;
  }
  EXPECT_TRUE(fails_with(check_handler("", "Go1", store::FunctionType::kEvent), "MissingParameter",
                         "Handler"));
  for (const char* bad : {"bin/main", "/main", ".", "..", "ma in", "main$", "61 chars"}) {
    const std::string handler = std::string(bad) == "61 chars" ? std::string(61, 'm') : bad;
    EXPECT_TRUE(fails_with(check_handler(handler, "Go1", store::FunctionType::kEvent),
                           "InvalidParameterValue.Handler", "Handler"))
        << bad;
  }
  // A Go1 web function is started by its scf_bootstrap; its handler is free-form.
  EXPECT_TRUE(check_handler("", "Go1", store::FunctionType::kHttp).ok());
}

TEST(FunctionRules, GoPackageMustHoldItsExecutableAtTheRoot) {
  const std::vector<std::string> root = {"conf/", "main", "README.md"};
  EXPECT_TRUE(check_package_holds_executable(root, "main").ok());
  EXPECT_TRUE(fails_with(check_package_holds_executable(root, "server"),
                         "InvalidParameterValue.Handler", "Handler"));
  EXPECT_TRUE(fails_with(check_package_holds_executable(root, "conf"),
                         "InvalidParameterValue.Handler", "Handler"));
}

TEST(FunctionRules, HttpAndCustomRuntimeHandlersAreFreeFormUpTo120Chars) {
  // Web functions have no handler; custom runtimes get it verbatim as _HANDLER.
  EXPECT_TRUE(check_handler("", "Python3.9", store::FunctionType::kHttp).ok());
  EXPECT_TRUE(check_handler("anything goes", "Nodejs16.13", store::FunctionType::kHttp).ok());
  EXPECT_TRUE(check_handler("", "CustomRuntime", store::FunctionType::kEvent).ok());
  EXPECT_TRUE(check_handler("main", "CustomRuntime", store::FunctionType::kEvent).ok());
  EXPECT_TRUE(check_handler("example.Hello::mainHandler", "CustomRuntime", store::FunctionType::kEvent).ok());
  EXPECT_TRUE(check_handler(std::string(120, 'h'), "CustomRuntime", store::FunctionType::kEvent).ok());
  EXPECT_TRUE(fails_with(check_handler(std::string(121, 'h'), "CustomRuntime", store::FunctionType::kEvent),
                         "InvalidParameterValue.Handler", "Handler"));
  EXPECT_TRUE(fails_with(check_handler(std::string(121, 'h'), "Python3.9", store::FunctionType::kHttp),
                         "InvalidParameterValue.Handler", "Handler"));
}

// ---------------------------------------------------------------------------
// MemorySize, Timeout, InitTimeout
// ---------------------------------------------------------------------------

TEST(FunctionRules, MemoryIs64Or128To3072InSteps) {
  for (int ok : {64, 128, 256, 384, 1024, 2944, 3072}) {
    EXPECT_TRUE(check_memory(ok).ok()) << ok;
  }
  for (int bad : {0, -128, 63, 65, 100, 127, 129, 192, 200, 3000, 3071, 3073, 3200, 4096}) {
    EXPECT_TRUE(fails_with(check_memory(bad), "InvalidParameterValue.MemorySize", "MemorySize"))
        << bad;
  }
  EXPECT_NE(check_memory(100).error().message.find("100"), std::string::npos);
}

TEST(FunctionRules, SyncTimeoutIs1To900) {
  EXPECT_TRUE(check_timeout(1, false).ok());
  EXPECT_TRUE(check_timeout(3, false).ok());
  EXPECT_TRUE(check_timeout(900, false).ok());
  EXPECT_TRUE(fails_with(check_timeout(0, false), "InvalidParameterValue.Timeout", "Timeout"));
  EXPECT_TRUE(fails_with(check_timeout(-1, false), "InvalidParameterValue.Timeout", "Timeout"));
  EXPECT_TRUE(fails_with(check_timeout(901, false), "LimitExceeded.Timeout", "900"));
}

TEST(FunctionRules, AsyncTimeoutIsUpTo86400) {
  EXPECT_TRUE(check_timeout(1, true).ok());
  EXPECT_TRUE(check_timeout(901, true).ok());
  EXPECT_TRUE(check_timeout(86400, true).ok());
  EXPECT_TRUE(fails_with(check_timeout(0, true), "InvalidParameterValue.Timeout", "Timeout"));
  EXPECT_TRUE(fails_with(check_timeout(86401, true), "LimitExceeded.Timeout", "86400"));
}

TEST(FunctionRules, InitTimeoutIs1To300) {
  EXPECT_TRUE(check_init_timeout(1).ok());
  EXPECT_TRUE(check_init_timeout(65).ok());
  EXPECT_TRUE(check_init_timeout(300).ok());
  EXPECT_TRUE(fails_with(check_init_timeout(0), "InvalidParameterValue.InitTimeout",
                         "InitTimeout"));
  EXPECT_TRUE(fails_with(check_init_timeout(301), "LimitExceeded.InitTimeout", "InitTimeout"));
}

// ---------------------------------------------------------------------------
// Environment and Description
// ---------------------------------------------------------------------------

TEST(FunctionRules, EnvironmentKeysAreIdentifiersStartingWithALetter) {
  EXPECT_TRUE(check_environment({}).ok());
  EXPECT_TRUE(check_environment({{"A", ""}, {"a_1", "x"}, {"Key9_", "v"}, {"SCFX", "v"}}).ok());
  for (const char* bad : {"", "1A", "_A", "A-B", "A B", "A.B", "A=B", "\xC3\xA9t\xC3\xA9"}) {
    EXPECT_TRUE(fails_with(check_environment({{"OK", "1"}, {bad, "v"}}),
                           "InvalidParameterValue.Environment", "Environment"))
        << bad;
  }
}

TEST(FunctionRules, EnvironmentReservedPrefixesAreRefused) {
  for (const char* key : {"SCF_RUNTIME", "SCF_X", "QCLOUD_REGION", "TENCENTCLOUD_SECRETID",
                          "TENCENTCLOUD_"}) {
    EXPECT_TRUE(fails_with(check_environment({{key, "v"}}),
                           "InvalidParameterValue.EnvironmentSystemProtect", key))
        << key;
  }
  // Only the exact prefixes are reserved.
  EXPECT_TRUE(check_environment({{"SCF", "v"}, {"QCLOUD", "v"}, {"MY_SCF_X", "v"}}).ok());
}

TEST(FunctionRules, EnvironmentValueMayNotHoldNul) {
  EXPECT_TRUE(check_environment({{"V", "spaces, = signs; and 'quotes'\n"}}).ok());
  EXPECT_TRUE(fails_with(check_environment({{"V", std::string("a\0b", 3)}}),
                         "InvalidParameterValue.Environment", "V"));
}

TEST(FunctionRules, EnvironmentTotalIsAtMost4KB) {
  // Keys and values together: exactly 4096 bytes passes, one more fails.
  EnvList at_limit = {{"A", std::string(2047, 'x')}, {"B", std::string(2047, 'y')}};
  EXPECT_TRUE(check_environment(at_limit).ok());
  EnvList over = at_limit;
  over[1].second += 'y';
  EXPECT_TRUE(fails_with(check_environment(over), "InvalidParameterValue.EnvironmentExceededLimit",
                         "4097"));
  // Many small variables add up too.
  EnvList many;
  for (int i = 0; i < 410; ++i) many.emplace_back("K" + std::to_string(1000 + i), "vvvvv");
  EXPECT_TRUE(fails_with(check_environment(many),  // 410 * 10 = 4100 bytes
                         "InvalidParameterValue.EnvironmentExceededLimit", "Environment"));
  many.resize(409);
  EXPECT_TRUE(check_environment(many).ok());  // 4090 bytes
}

TEST(FunctionRules, DescriptionIsAtMost1000Chars) {
  EXPECT_TRUE(check_description("").ok());
  EXPECT_TRUE(check_description(std::string(1000, 'd')).ok());
  EXPECT_TRUE(fails_with(check_description(std::string(1001, 'd')),
                         "InvalidParameterValue.Description", "Description"));
}

TEST(FunctionRules, LimitsMatchTheScfContract) {
  EXPECT_EQ(kMaxTimeoutS, 900);
  EXPECT_EQ(kMaxAsyncTimeoutS, 86400);
  EXPECT_EQ(kMaxInitTimeoutS, 300);
  EXPECT_EQ(kMaxEnvironmentBytes, 4096u);
}

}  // namespace
}  // namespace yunfn::control
