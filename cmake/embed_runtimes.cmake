# Writes OUT, a C++ file defining yunfn::server::embedded_runtime_files(): every
# file under ROOT (relative path -> contents), for the server to unpack at start,
# except Java sources (their compiled jar is embedded instead), every file under
# BUILT_ROOT (runtimes compiled at build time, e.g. java/runtime.jar), and the
# built programs listed in EXTRA ("relative/path=/built/file" entries).
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
foreach(entry ${EXTRA})
  string(REGEX MATCH "^([^=]+)=(.+)$" _ "${entry}")
  set(rel "${CMAKE_MATCH_1}")
  file(READ "${CMAKE_MATCH_2}" hexdata HEX)
  string(LENGTH "${hexdata}" hexlen)
  math(EXPR bytes "${hexlen} / 2")
  # One string literal: compiles far faster than a list of chars for a program.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hexdata}")
  string(APPEND body "  {\"${rel}\", std::string(\"${escaped}\", ${bytes})},\n")
endforeach()
file(WRITE ${OUT} "#include <map>\n#include <string>\nnamespace yunfn::server {\n"
     "const std::map<std::string, std::string>& embedded_runtime_files() {\n"
     "  static const std::map<std::string, std::string> files = {\n${body}  };\n"
     "  return files;\n}\n}  // namespace yunfn::server\n")
