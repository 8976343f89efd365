#include "cli/zip_dir.h"

#include <sys/stat.h>
#include <zip.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace yunfn::cli {
namespace fs = std::filesystem;

Result<std::string> zip_directory(const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    return make_error(errc::kInvalidParameterValue, dir.string() + " is not a directory");
  }
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_t* za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &err) : nullptr;
  if (!za) {
    if (src) zip_source_free(src);
    return make_error(errc::kInternalError, "cannot create zip");
  }
  zip_source_keep(src);
  // Contents must stay alive until zip_close reads them.
  std::vector<std::string> contents;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && !e.is_symlink()) files.push_back(e.path());
  }
  contents.reserve(files.size());
  for (const auto& path : files) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    contents.push_back(ss.str());
    const std::string& data = contents.back();
    zip_source_t* fs_src = zip_source_buffer(za, data.data(), data.size(), 0);
    std::string name = fs::relative(path, dir).generic_string();
    zip_int64_t idx = zip_file_add(za, name.c_str(), fs_src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(fs_src);
      zip_discard(za);
      zip_source_free(src);
      return make_error(errc::kInternalError, "cannot add " + name + " to the zip");
    }
    struct stat st {};
    ::stat(path.c_str(), &st);
    zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                     static_cast<zip_uint32_t>(S_IFREG | (st.st_mode & 0777)) << 16);
  }
  if (zip_close(za) != 0) {
    zip_discard(za);
    zip_source_free(src);
    return make_error(errc::kInternalError, "cannot write the zip");
  }
  zip_stat_t zst;
  zip_source_stat(src, &zst);
  std::string out(static_cast<size_t>(zst.size), '\0');
  zip_source_open(src);
  zip_source_read(src, out.data(), zst.size);
  zip_source_close(src);
  zip_source_free(src);
  return out;
}

Result<std::string> code_package(const fs::path& path) {
  if (fs::is_directory(path)) return zip_directory(path);
  std::ifstream in(path, std::ios::binary);
  if (!fs::is_regular_file(path) || !in) {
    return make_error(errc::kInvalidParameterValue,
                      path.string() + " is neither a directory nor a readable zip or jar file");
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace yunfn::cli
