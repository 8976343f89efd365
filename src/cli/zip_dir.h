// Packs a directory into a zip (in memory) as `yunfn deploy` uploads it:
// regular files with their unix modes, paths relative to the directory.
// A ready package (zip or jar file) is read as it is.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace yunfn::cli {

Result<std::string> zip_directory(const std::filesystem::path& dir);

// The code package at `path`: a directory zipped, or a file (a .zip, or a Java
// .jar, which is a zip) uploaded as it is.
Result<std::string> code_package(const std::filesystem::path& path);

}  // namespace yunfn::cli
