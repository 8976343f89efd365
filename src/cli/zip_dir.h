// Packs a directory into a zip (in memory) as `yunfn deploy` uploads it:
// regular files with their unix modes, paths relative to the directory.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace yunfn::cli {

Result<std::string> zip_directory(const std::filesystem::path& dir);

}  // namespace yunfn::cli
