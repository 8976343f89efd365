# Helpers that keep every module's targets uniform.

# yunfn_add_library(NAME SOURCES... DEPS ...): a static library yunfn_NAME built
# from src/NAME, with src/ on the include path.
function(yunfn_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(yunfn_${name} STATIC ${ARG_SOURCES})
  target_include_directories(yunfn_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(yunfn_${name} PUBLIC ${ARG_DEPS})
  target_compile_definitions(yunfn_${name} PUBLIC BOOST_ASIO_NO_DEPRECATED)
  # Asio/Beast and JSON dominate compile time: parse them once per build.
  if(YUNFN_PCH)
    if(name STREQUAL "common")
      target_precompile_headers(yunfn_common PRIVATE <boost/asio.hpp> <boost/beast/core.hpp>
                                <boost/beast/http.hpp> <nlohmann/json.hpp> <spdlog/spdlog.h>)
    else()
      target_precompile_headers(yunfn_${name} REUSE_FROM yunfn_common)
    endif()
  endif()
endfunction()

# yunfn_add_test(NAME SOURCES... DEPS ... LABEL unit|integration): a GoogleTest
# binary registered with CTest under the given label.
function(yunfn_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABEL}")
endfunction()
