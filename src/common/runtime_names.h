// The SCF runtime names yunfn accepts and their families. Pure; any thread.
// Php5.6 is left out: PHP 8 (what runs the Php* names) does not run PHP 5 code.
// Java8 and Java11 run on the installed JDK (OpenJDK 17 on Debian 12).
#pragma once

#include <string>

namespace yunfn {

inline bool is_python_runtime(const std::string& r) { return r.rfind("Python3", 0) == 0; }
inline bool is_nodejs_runtime(const std::string& r) { return r.rfind("Nodejs", 0) == 0; }
inline bool is_php_runtime(const std::string& r) { return r.rfind("Php", 0) == 0; }
inline bool is_java_runtime(const std::string& r) { return r.rfind("Java", 0) == 0; }
inline bool is_go_runtime(const std::string& r) { return r == "Go1"; }

inline bool is_supported_runtime(const std::string& r) {
  static const char* kKnown[] = {
      "Python3.6",   "Python3.7",   "Python3.9",   "Python3.10",  "Python3.11", "Nodejs10.15",
      "Nodejs12.16", "Nodejs14.18", "Nodejs16.13", "Nodejs18.15", "Nodejs20.14", "Php7",
      "Php7.2",      "Php7.4",      "Php8.0",      "Java8",       "Java11",     "Go1",
      "CustomRuntime"};
  for (const char* k : kKnown) {
    if (r == k) return true;
  }
  return false;
}

}  // namespace yunfn
