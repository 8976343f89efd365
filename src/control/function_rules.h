// The SCF rules for function settings: names, runtimes, handlers, memory,
// timeouts, environment variables, descriptions. Each check returns an error
// with the SCF code and a message naming the field. Pure; any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/records.h"

namespace yunfn::control {

Status check_function_name(const std::string& name);
Status check_namespace_name(const std::string& name);
Status check_runtime(const std::string& runtime);
// `type` is Event or HTTP; Python/Node/PHP event functions need
// `file.function`, Go1 event functions an executable's file name.
Status check_handler(const std::string& handler, const std::string& runtime,
                     store::FunctionType type);
Status check_go_handler(const std::string& handler);
// A Go1 code package must hold its handler, the executable, at its root
// (`root_files` as CodePackageInfo lists them).
Status check_package_holds_executable(const std::vector<std::string>& root_files,
                                      const std::string& handler);
Status check_memory(int memory_mb);
Status check_timeout(int timeout_s, bool async_run);
Status check_init_timeout(int init_timeout_s);
Status check_environment(const std::vector<std::pair<std::string, std::string>>& env);
Status check_description(const std::string& description);
// The function Type named by the API's "Type" parameter ("Event" or "HTTP").
Result<store::FunctionType> function_type_param(const std::string& type);

// The limits the checks enforce (also reported by GetAccount).
inline constexpr int kMaxTimeoutS = 900;
inline constexpr int kMaxAsyncTimeoutS = 86400;
inline constexpr int kMaxInitTimeoutS = 300;
inline constexpr size_t kMaxEnvironmentBytes = 4096;
inline constexpr int kMaxFunctionsPerNamespace = 50;
inline constexpr int kMaxNamespaces = 5;

}  // namespace yunfn::control
