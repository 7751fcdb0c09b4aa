#pragma once
// Where this build's source tree and build tree are. Defined in one generated source file
// (cmake/build_paths.cpp.in) rather than as compile definitions, so that no other translation
// unit depends on the checkout's location and ccache hits across checkouts (CI clones afresh).
#include <filesystem>

namespace gauntlet::build_paths {

std::filesystem::path source_dir();   // the repository root
std::filesystem::path binary_dir();   // the CMake build directory (executables in bin/)
std::filesystem::path results_dir();  // <binary_dir>/results, the default for result files

}  // namespace gauntlet::build_paths
