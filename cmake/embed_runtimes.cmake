# Writes OUT, a C++ file defining yunfn::server::embedded_runtime_files(): every
# file under ROOT (relative path -> contents), for the server to unpack at start.
file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/*)
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ ${ROOT}/${f} hexdata HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," chars "${hexdata}")
  string(APPEND body "  {\"${f}\", std::string({${chars}})},\n")
endforeach()
file(WRITE ${OUT} "#include <map>\n#include <string>\nnamespace yunfn::server {\n"
     "const std::map<std::string, std::string>& embedded_runtime_files() {\n"
     "  static const std::map<std::string, std::string> files = {\n${body}  };\n"
     "  return files;\n}\n}  // namespace yunfn::server\n")
