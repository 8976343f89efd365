# Writes OUT, a C++ file defining yunfn's version and the git commit it is built
# from. Run at every build; the file is replaced only when its text changes, so
# an unchanged commit rebuilds nothing.
execute_process(COMMAND git -C ${ROOT} rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
else()
  execute_process(COMMAND git -C ${ROOT} status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT dirty STREQUAL "")
    string(APPEND commit "-dirty")
  endif()
endif()
string(CONCAT text "#include \"common/build_info.h\"\nnamespace yunfn {\n"
         "const char* build_version() { return \"${VERSION}\"; }\n"
         "const char* build_commit() { return \"${commit}\"; }\n}  // namespace yunfn\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
