#include "control/function_rules.h"

#include <algorithm>
#include <cctype>

#include "common/runtime_names.h"

namespace yunfn::control {
namespace {

constexpr size_t kMaxJavaHandlerBytes = 256;

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool all_name_chars(const std::string& s) {
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

// A Java identifier as javac accepts it in ASCII ('$' included: nested classes are
// named Outer$Inner); class names outside ASCII are not supported.
bool is_java_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '$') return false;
  }
  return true;
}

// SCF's Java handler: package.Class::method (the package may be empty).
Status check_java_handler(const std::string& handler, const std::string& runtime) {
  if (handler.empty()) {
    return make_error(errc::kMissingParameter,
                      "Handler is required for runtime " + runtime +
                          " (format package.Class::method, e.g. example.Hello::mainHandler)");
  }
  auto sep = handler.find("::");
  bool valid = sep != std::string::npos && handler.size() <= kMaxJavaHandlerBytes;
  if (valid) {
    valid = is_java_identifier(handler.substr(sep + 2));
    std::string class_name = handler.substr(0, sep);
    size_t start = 0;
    while (valid) {
      auto dot = class_name.find('.', start);
      valid = is_java_identifier(class_name.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  if (!valid) {
    return make_error(errc::kInvalidParameterValueHandler,
                      "Handler '" + handler +
                          "' is invalid: expected package.Class::method, e.g. "
                          "example.Hello::mainHandler");
  }
  return ok_status();
}

}  // namespace

Status check_function_name(const std::string& name) {
  if (name.size() < 2 || name.size() > 60 || !std::isalpha(static_cast<unsigned char>(name[0])) ||
      !all_name_chars(name) || name.back() == '-' || name.back() == '_') {
    return make_error(errc::kInvalidParameterValueFunctionName,
                      "FunctionName '" + name +
                          "' is invalid: 2-60 letters, digits, '-' or '_', starting with a "
                          "letter and not ending with '-' or '_'");
  }
  return ok_status();
}

Status check_namespace_name(const std::string& name) {
  if (name.empty() || name.size() > 30 || !all_name_chars(name)) {
    return make_error(errc::kInvalidParameterValueNamespace,
                      "Namespace '" + name + "' is invalid: 1-30 letters, digits, '-' or '_'");
  }
  return ok_status();
}

Status check_runtime(const std::string& runtime) {
  if (!is_supported_runtime(runtime)) {
    return make_error(errc::kInvalidParameterValueRuntime,
                      "Runtime '" + runtime +
                          "' is not supported: use Python3.6-3.11, Nodejs10.15-20.14, "
                          "Php7, Php7.2, Php7.4, Php8.0, Java8, Java11, Go1 or CustomRuntime");
  }
  return ok_status();
}

Status check_go_handler(const std::string& handler) {
  if (handler.empty()) {
    return make_error(
        errc::kMissingParameter,
        "Handler is required for runtime Go1 (the file name of the executable, e.g. main)");
  }
  bool valid = handler.size() <= 60 && handler != "." && handler != "..";
  for (char c : handler) valid = valid && (is_name_char(c) || c == '.');
  if (!valid) {
    return make_error(errc::kInvalidParameterValueHandler,
                      "Handler '" + handler +
                          "' is invalid: a Go1 handler is the file name of the executable at the "
                          "root of the code package (letters, digits, '.', '-' or '_'), e.g. main");
  }
  return ok_status();
}

Status check_package_holds_executable(const std::vector<std::string>& root_files,
                                      const std::string& handler) {
  if (std::find(root_files.begin(), root_files.end(), handler) != root_files.end())
    return ok_status();
  return make_error(errc::kInvalidParameterValueHandler,
                    "Handler '" + handler + "' names no executable: the code package has no file " +
                        handler + " at its root (a Go1 handler is the executable's file name)");
}

Status check_handler(const std::string& handler, const std::string& runtime,
                     store::FunctionType type) {
  if (type == store::FunctionType::kHttp || runtime == "CustomRuntime") {
    if (handler.size() > 120) {
      return make_error(errc::kInvalidParameterValueHandler, "Handler is longer than 120 characters");
    }
    return ok_status();
  }
  if (is_java_runtime(runtime)) return check_java_handler(handler, runtime);
  if (is_go_runtime(runtime)) return check_go_handler(handler);
  if (handler.empty()) {
    return make_error(errc::kMissingParameter, "Handler is required for runtime " + runtime +
                                              " (format file.function, e.g. index.main_handler)");
  }
  auto dot = handler.rfind('.');
  std::string file = dot == std::string::npos ? "" : handler.substr(0, dot);
  std::string func = dot == std::string::npos ? "" : handler.substr(dot + 1);
  auto valid_part = [](const std::string& s, bool allow_slash) {
    if (s.empty() || s.size() > 60) return false;
    for (char c : s) {
      if (!is_name_char(c) && !(allow_slash && c == '/')) return false;
    }
    return s.find("..") == std::string::npos && s.front() != '/';
  };
  if (!valid_part(file, true) || !valid_part(func, false)) {
    return make_error(errc::kInvalidParameterValueHandler,
                      "Handler '" + handler + "' is invalid: expected file.function, e.g. "
                                              "index.main_handler");
  }
  return ok_status();
}

Status check_memory(int memory_mb) {
  if (memory_mb == 64 || (memory_mb >= 128 && memory_mb <= 3072 && memory_mb % 128 == 0)) {
    return ok_status();
  }
  return make_error(errc::kInvalidParameterValueMemorySize,
                    "MemorySize " + std::to_string(memory_mb) +
                        " is invalid: 64, or 128 to 3072 in steps of 128 (MB)");
}

Status check_timeout(int timeout_s, bool async_run) {
  int max = async_run ? kMaxAsyncTimeoutS : kMaxTimeoutS;
  // SCF: above the limit is LimitExceeded, below 1 an invalid value.
  if (timeout_s < 1 || timeout_s > max) {
    return make_error(timeout_s > max ? errc::kLimitExceededTimeout : errc::kInvalidParameterValueTimeout,
                      "Timeout " + std::to_string(timeout_s) + " is out of range 1-" +
                          std::to_string(max) + " (seconds)");
  }
  return ok_status();
}

Status check_init_timeout(int init_timeout_s) {
  if (init_timeout_s < 1 || init_timeout_s > kMaxInitTimeoutS) {
    return make_error(init_timeout_s > kMaxInitTimeoutS ? errc::kLimitExceededInitTimeout
                                                        : errc::kInvalidParameterValueInitTimeout,
                      "InitTimeout " + std::to_string(init_timeout_s) + " is out of range 1-" +
                          std::to_string(kMaxInitTimeoutS) + " (seconds)");
  }
  return ok_status();
}

Status check_environment(const std::vector<std::pair<std::string, std::string>>& env) {
  size_t total = 0;
  for (const auto& [key, value] : env) {
    bool valid = !key.empty() && std::isalpha(static_cast<unsigned char>(key[0]));
    for (char c : key) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') valid = false;
    }
    if (!valid) {
      return make_error(errc::kInvalidParameterValueEnvironment,
                        "Environment variable key '" + key +
                            "' is invalid: letters, digits and '_', starting with a letter");
    }
    for (const char* reserved : {"SCF_", "QCLOUD_", "TENCENTCLOUD_"}) {
      if (key.rfind(reserved, 0) == 0) {
        return make_error(errc::kInvalidParameterValueEnvironmentSystemProtect,
                          "Environment variable key '" + key + "' uses the reserved prefix " +
                              reserved);
      }
    }
    if (value.find('\0') != std::string::npos) {
      return make_error(errc::kInvalidParameterValueEnvironment,
                        "Environment variable '" + key + "' has a NUL character in its value");
    }
    total += key.size() + value.size();
  }
  if (total > kMaxEnvironmentBytes) {
    return make_error(errc::kInvalidParameterValueEnvironmentExceededLimit,
                      "Environment variables total " + std::to_string(total) +
                          " bytes, over the 4 KB limit");
  }
  return ok_status();
}

Status check_description(const std::string& description) {
  if (description.size() > 1000) {
    return make_error(errc::kInvalidParameterValueDescription,
                      "Description is longer than 1000 characters");
  }
  return ok_status();
}

Result<store::FunctionType> function_type_param(const std::string& type) {
  auto parsed = store::parse_function_type(type);
  if (!parsed) {
    return make_error(errc::kInvalidParameterValueType,
                      "Type '" + type + "' is invalid: Event or HTTP");
  }
  return *parsed;
}

}  // namespace yunfn::control
