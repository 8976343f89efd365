# Writes OUT, a C++ file defining yunfn::server::embedded_runtime_files(): every
# file under ROOT (relative path -> contents), for the server to unpack at start,
# except Java sources (their compiled jar is embedded instead), then every file
# under BUILT_ROOT (runtimes compiled at build time, e.g. java/runtime.jar).
set(body "")
foreach(root ${ROOT} ${BUILT_ROOT})
  file(GLOB_RECURSE files RELATIVE ${root} ${root}/*)
  list(FILTER files EXCLUDE REGEX "\\.java$")
  list(SORT files)
  foreach(f ${files})
    file(READ ${root}/${f} hexdata HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," chars "${hexdata}")
    string(APPEND body "  {\"${f}\", std::string({${chars}})},\n")
  endforeach()
endforeach()
file(WRITE ${OUT} "#include <map>\n#include <string>\nnamespace yunfn::server {\n"
     "const std::map<std::string, std::string>& embedded_runtime_files() {\n"
     "  static const std::map<std::string, std::string> files = {\n${body}  };\n"
     "  return files;\n}\n}  // namespace yunfn::server\n")
