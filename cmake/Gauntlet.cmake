# Build helpers shared by harness/, mocks/, tests/ and bench/.

# Compiler warnings for our own targets only (third-party headers are SYSTEM).
function(gauntlet_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused)
  if(GAUNTLET_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    # GCC 12 at -O3 (Release) reports -Wrestrict inside libstdc++'s own std::string code for
    # ordinary concatenations (GCC bugs 105329, 105651): a warning, never an error, there.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_compile_options(${target} PRIVATE -Wno-error=restrict)
    endif()
  endif()
endfunction()

# gauntlet_discover(<target> LABELS <labels...> [TEST_LABELS <regex> <label> ...]
#                   [PROPERTIES <scalar properties...>])
# gtest_discover_tests() of CMake 3.25 splits list-valued PROPERTIES ("stress;selftest" would
# keep "stress" and read "selftest" as a property name), so labels are applied by a second
# include file that CTest reads after the discovered tests, over the list discovery exports.
# TEST_LABELS pairs add <label> to each test whose name matches <regex> (variants of one binary
# selected by label, e.g. "ShapeSpike$" spike).
function(gauntlet_discover target)
  cmake_parse_arguments(ARG "" "" "LABELS;TEST_LABELS;PROPERTIES" ${ARGN})
  set(properties)
  if(ARG_PROPERTIES)
    set(properties PROPERTIES ${ARG_PROPERTIES})
  endif()
  # NO_PRETTY_VALUES: a parameterised test is named by its name generator ("…/native"); without
  # it CMake 3.25 keeps gtest's "  # GetParam() = …" comment in the CTest name.
  gtest_discover_tests(${target} TEST_LIST ${target}_TESTS DISCOVERY_TIMEOUT 60 NO_PRETTY_VALUES
                       ${properties})
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
  set(extra "")
  list(LENGTH ARG_TEST_LABELS n)
  if(n GREATER 0)
    math(EXPR last "${n} - 1")
    foreach(i RANGE 0 ${last} 2)
      math(EXPR j "${i} + 1")
      list(GET ARG_TEST_LABELS ${i} regex)
      list(GET ARG_TEST_LABELS ${j} label)
      string(APPEND extra "  if(name MATCHES \"${regex}\")\n    list(APPEND labels ${label})\n  endif()\n")
    endforeach()
  endif()
  file(WRITE ${labels_file}
       "foreach(name IN LISTS ${target}_TESTS)\n"
       "  set(labels \"${ARG_LABELS}\")\n"
       "${extra}"
       "  set_tests_properties(\"\${name}\" PROPERTIES LABELS \"\${labels}\")\n"
       "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()

# gauntlet_module(<name> DIR <subdir> [DEPS <targets...>])
# One static library per harness concept directory: harness/src/<subdir>/*.cpp with public
# headers in harness/include/gauntlet/<subdir>/. Creates gauntlet_<name> and the alias
# gauntlet::<name>. A directory without sources yet creates nothing.
function(gauntlet_module name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/${ARG_DIR}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_library(gauntlet_${name} STATIC ${sources})
  add_library(gauntlet::${name} ALIAS gauntlet_${name})
  target_include_directories(gauntlet_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(gauntlet_${name} PUBLIC ${ARG_DEPS})
  gauntlet_warnings(gauntlet_${name})
endfunction()

# gauntlet_add_unit_test(<name> SOURCES <files...> LIBS <targets...> [WHOLE_BINARY]
#                        [LABELS <labels...>])
# A gtest executable registered with CTest under the label `unit` (plus LABELS). Each test is
# its own CTest entry, except with WHOLE_BINARY: then the binary is one entry, for suites whose
# SetUpTestSuite is expensive (a PostgreSQL cluster per process would cost seconds per test).
function(gauntlet_add_unit_test name)
  cmake_parse_arguments(ARG "WHOLE_BINARY" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} gauntlet::test_support GTest::gmock
                                         GTest::gtest_main)
  # Shared test helpers (tests/support, #include "support/..."), fixtures' headers
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  gauntlet_warnings(${name})
  set(labels unit ${ARG_LABELS})
  if(ARG_WHOLE_BINARY)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT 300)
  else()
    gauntlet_discover(${name} LABELS ${labels})
  endif()
endfunction()

# gauntlet_add_stress_test(<target> SOURCES <files...> [LIBS <targets...>] LABELS <labels...>
#                          [TEST_LABELS <regex> <label> ...] [TIMEOUT <seconds>])
# A stress test is an ordinary gtest executable. Every test in it gets the label `stress`
# plus the area labels, and RUN_SERIAL: no other test runs beside it, stress or unit (they
# would measure each other; a 10,000/s rate test beside a build of unit tests misses its rate
# and says the generator was the bottleneck, rightly).
function(gauntlet_add_stress_test target)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS;TEST_LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 1800)
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS} gauntlet::gtest_main)
  gauntlet_warnings(${target})
  set(labels stress ${ARG_LABELS})
  list(REMOVE_DUPLICATES labels)
  gauntlet_discover(${target} LABELS ${labels} TEST_LABELS ${ARG_TEST_LABELS}
                    PROPERTIES RUN_SERIAL TRUE TIMEOUT ${ARG_TIMEOUT})
endfunction()
