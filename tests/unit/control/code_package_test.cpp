// Tests for code package validation and extraction. Zips are built in memory
// with libzip; hostile names that libzip would not write are patched into the
// bytes afterwards.
#include "control/code_package.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "store/code_store.h"

#include "../temp_dir.h"
#include "../test_support.h"

namespace yunfn::control {
namespace {

using test_support::fails_exactly;
using test_support::read_text;
using test_support::TempDir;

namespace fs = std::filesystem;

// Builds a zip archive in memory.
class ZipBuilder {
 public:
  ZipBuilder& file(std::string name, std::string data, mode_t mode = 0644) {
    items_.push_back(
        {Kind::kFile, std::move(name), std::move(data), S_IFREG | mode, ZIP_OPSYS_UNIX});
    return *this;
  }
  // A file stored without compression, so tests can find and damage its data.
  ZipBuilder& stored_file(std::string name, std::string data) {
    file(std::move(name), std::move(data));
    items_.back().stored = true;
    return *this;
  }
  // A file whose external attributes say it was zipped on DOS/Windows.
  ZipBuilder& dos_file(std::string name, std::string data) {
    items_.push_back({Kind::kFile, std::move(name), std::move(data), 0, ZIP_OPSYS_DOS});
    return *this;
  }
  ZipBuilder& dir(std::string name) {
    items_.push_back({Kind::kDir, std::move(name), "", S_IFDIR | 0755, ZIP_OPSYS_UNIX});
    return *this;
  }
  ZipBuilder& symlink(std::string name, std::string target) {
    items_.push_back(
        {Kind::kFile, std::move(name), std::move(target), S_IFLNK | 0777, ZIP_OPSYS_UNIX});
    return *this;
  }
  // An entry with an arbitrary unix mode (e.g. a FIFO).
  ZipBuilder& special(std::string name, mode_t mode) {
    items_.push_back({Kind::kFile, std::move(name), "", mode, ZIP_OPSYS_UNIX});
    return *this;
  }

  std::string build() const {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &err);
    EXPECT_NE(out, nullptr);
    zip_source_keep(out);
    zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, &err);
    EXPECT_NE(za, nullptr);
    for (const Item& item : items_) {
      zip_int64_t index;
      if (item.kind == Kind::kDir) {
        index = zip_dir_add(za, item.name.c_str(), 0);
      } else {
        zip_source_t* src = zip_source_buffer(za, item.data.data(), item.data.size(), 0);
        index = zip_file_add(za, item.name.c_str(), src, 0);
        if (index < 0) zip_source_free(src);
      }
      EXPECT_GE(index, 0) << item.name << ": " << zip_strerror(za);
      if (item.stored)
        zip_set_file_compression(za, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
      zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(index), 0, item.opsys,
                                       static_cast<zip_uint32_t>(item.mode) << 16);
    }
    EXPECT_EQ(zip_close(za), 0);
    std::string bytes;
    zip_stat_t st;
    zip_stat_init(&st);
    EXPECT_EQ(zip_source_stat(out, &st), 0);
    EXPECT_EQ(zip_source_open(out), 0);
    bytes.resize(st.size);
    EXPECT_EQ(zip_source_read(out, bytes.data(), st.size), static_cast<zip_int64_t>(st.size));
    zip_source_close(out);
    zip_source_free(out);
    zip_error_fini(&err);
    return bytes;
  }

 private:
  enum class Kind { kFile, kDir };
  struct Item {
    Kind kind;
    std::string name;
    std::string data;
    mode_t mode;
    zip_uint8_t opsys;
    bool stored = false;
  };
  std::vector<Item> items_;
};

// Replaces every occurrence of `from` with `to` (same length) in zip bytes, to
// plant names libzip refuses to write (duplicates, NUL bytes).
std::string patch(std::string bytes, const std::string& from, const std::string& to) {
  EXPECT_EQ(from.size(), to.size());
  size_t count = 0;
  for (size_t pos = bytes.find(from); pos != std::string::npos; pos = bytes.find(from, pos)) {
    bytes.replace(pos, from.size(), to);
    ++count;
  }
  EXPECT_GT(count, 0u);
  return bytes;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

bool dir_is_empty(const fs::path& p) { return fs::is_empty(p); }

void expect_zip_error(const Result<CodePackageInfo>& r, const std::string& code,
                      const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.rfind("ZipFile", 0), 0u) << r.error().message;
}

std::string hello_package() {
  return ZipBuilder()
      .file("index.py", "def main_handler(event, context):\n    return 'hi'\n")
      .dir("lib")
      .file("lib/util.py", "X = 1\n")
      .file("deep/a/b.txt", "b")
      .build();
}

// ---- inspect ----

TEST(InspectCodePackage, DescribesANormalPackage) {
  const std::string zip = hello_package();
  auto info = inspect_code_package(zip);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->sha256_hex, crypto::sha256_hex(zip));
  EXPECT_EQ(info->zip_size, zip.size());
  EXPECT_EQ(info->entry_count, 4u);
  const uint64_t expected =
      std::string("def main_handler(event, context):\n    return 'hi'\n").size() + 6 + 1;
  EXPECT_EQ(info->unpacked_size, expected);
  EXPECT_FALSE(info->has_bootstrap);
  EXPECT_FALSE(info->has_scf_bootstrap);
  EXPECT_EQ(info->root_files, (std::vector<std::string>{"deep/", "index.py", "lib/"}));
}

TEST(InspectCodePackage, DetectsExecutableBootstrap) {
  auto exec = inspect_code_package(ZipBuilder().file("bootstrap", "#!/bin/sh\n", 0755).build());
  ASSERT_TRUE(exec.ok()) << exec.error().message;
  EXPECT_TRUE(exec->has_bootstrap);

  auto plain = inspect_code_package(ZipBuilder().file("bootstrap", "#!/bin/sh\n", 0644).build());
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_bootstrap);

  // Windows zips carry no unix mode: the bootstrap is not executable.
  auto dos = inspect_code_package(ZipBuilder().dos_file("bootstrap", "#!/bin/sh\n").build());
  ASSERT_TRUE(dos.ok());
  EXPECT_FALSE(dos->has_bootstrap);

  // Only the root counts.
  auto nested =
      inspect_code_package(ZipBuilder().file("app/bootstrap", "#!/bin/sh\n", 0755).build());
  ASSERT_TRUE(nested.ok());
  EXPECT_FALSE(nested->has_bootstrap);
  EXPECT_EQ(nested->root_files, std::vector<std::string>{"app/"});
}

TEST(InspectCodePackage, FollowsABootstrapSymlinkInsideThePackage) {
  auto info = inspect_code_package(ZipBuilder()
                                       .file("bin/start", "#!/bin/sh\n", 0755)
                                       .symlink("bootstrap", "bin/start")
                                       .build());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->has_bootstrap);
}

TEST(InspectCodePackage, DetectsScfBootstrap) {
  auto plain = inspect_code_package(ZipBuilder().file("scf_bootstrap", "#!/bin/bash\n").build());
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->has_scf_bootstrap);
  EXPECT_FALSE(plain->scf_bootstrap_executable);
  EXPECT_FALSE(plain->has_bootstrap);

  auto exec =
      inspect_code_package(ZipBuilder().file("scf_bootstrap", "#!/bin/bash\n", 0755).build());
  ASSERT_TRUE(exec.ok());
  EXPECT_TRUE(exec->has_scf_bootstrap);
  EXPECT_TRUE(exec->scf_bootstrap_executable);
}

TEST(InspectCodePackage, RejectsBytesThatAreNotAZip) {
  const char* kNotZip = "ZipFile is not a valid zip archive";
  auto empty = inspect_code_package("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "InvalidParameterValue.ZipFile");
  EXPECT_EQ(empty.error().message, kNotZip);

  EXPECT_TRUE(fails_exactly(inspect_code_package(std::string(1000, 'x')),
                            "InvalidParameterValue.ZipFile", kNotZip));

  const std::string zip = hello_package();
  auto truncated = inspect_code_package(std::string_view(zip).substr(0, zip.size() / 2));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, "InvalidParameterValue.ZipFile");
}

TEST(InspectCodePackage, RejectsCorruptEntryData) {
  // Stored (uncompressed) data is easy to find and flip; the CRC no longer matches.
  std::string zip = ZipBuilder().stored_file("data.bin", "MARKER" + std::string(4096, 'p')).build();
  const size_t pos = zip.find("MARKER");
  ASSERT_NE(pos, std::string::npos);
  zip[pos] = 'N';
  auto r = inspect_code_package(zip);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue.ZipFile");
}

TEST(InspectCodePackage, RejectsAnEmptyArchive) {
  // Just an end-of-central-directory record: a well-formed zip with no entries.
  const std::string empty_zip = std::string("PK\x05\x06", 4) + std::string(18, '\0');
  expect_zip_error(inspect_code_package(empty_zip), "InvalidParameterValue.ZipFile",
                   "contains no files");
}

TEST(InspectCodePackage, RejectsPathsThatEscapeOrAreNotPlain) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../evil", "'..' component"},   {"/abs", "absolute path"},
      {"a/../../x", "'..' component"}, {"a/..", "'..' component"},
      {"..\\evil", "'..' component"},  {"a\\..\\..\\evil", "'..' component"},
      {"\\abs", "absolute path"},      {"./index.py", "'.' component"},
      {"a//b", "empty component"},     {std::string(300, 'n'), "component is too long"},
  };
  for (const auto& [name, fragment] : cases) {
    SCOPED_TRACE(name);
    expect_zip_error(
        inspect_code_package(ZipBuilder().file("ok.txt", "ok").file(name, "evil").build()),
        "InvalidParameterValue.ZipFile", fragment);
  }
}

TEST(InspectCodePackage, RejectsDeepNesting) {
  std::string deep;
  for (int i = 0; i < 128; ++i) deep += "d/";
  EXPECT_TRUE(
      inspect_code_package(ZipBuilder().file(deep.substr(0, deep.size() - 2) + "f", "x").build())
          .ok());
  expect_zip_error(inspect_code_package(ZipBuilder().file(deep + "f", "x").build()),
                   "InvalidParameterValue.ZipFile", "nested too deeply");
}

TEST(InspectCodePackage, ReadsBackslashesAsSeparators) {
  auto info = inspect_code_package(ZipBuilder().file("lib\\util.py", "x").build());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->root_files, std::vector<std::string>{"lib/"});
  expect_zip_error(inspect_code_package(ZipBuilder().file("a\\b", "x").file("a/b", "y").build()),
                   "InvalidParameterValue.ZipFile", "duplicate entries");
}

TEST(InspectCodePackage, RefusesANulByteInAName) {
  // libzip hands names out as C strings: the raw central directory is checked.
  std::string zip = ZipBuilder().file("ok.txt", "ok").file("nulXname", "x").build();
  zip = patch(zip, "nulXname", std::string("nul\0name", 8));
  expect_zip_error(inspect_code_package(zip), "InvalidParameterValue.ZipFile",
                   "entry name contains a NUL byte");
}

TEST(InspectCodePackage, RefusesANulByteInTheCentralDirectoryOnly) {
  std::string zip = ZipBuilder().file("ok.txt", "ok").file("nulXname", "x").build();
  size_t central = zip.rfind("nulXname");  // the central directory comes last
  zip[central + 3] = '\0';
  expect_zip_error(inspect_code_package(zip), "InvalidParameterValue.ZipFile",
                   "entry name contains a NUL byte");
}

TEST(InspectCodePackage, RejectsDuplicateAndConflictingEntries) {
  // Two entries with the same name: refused (libzip's consistency check or ours).
  std::string dup = ZipBuilder().file("dup1", "a").file("dup2", "b").build();
  auto r = inspect_code_package(patch(dup, "dup2", "dup1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue.ZipFile");

  // Names libzip considers different but that are the same path on disk.

  expect_zip_error(inspect_code_package(ZipBuilder().file("a", "x").dir("a").build()),
                   "InvalidParameterValue.ZipFile", "duplicate entries");
  expect_zip_error(inspect_code_package(ZipBuilder().file("f", "x").file("f/inner", "y").build()),
                   "InvalidParameterValue.ZipFile", "inside the non-directory");
  // A symlink used as a folder would let later entries be written through it.
  expect_zip_error(inspect_code_package(
                       ZipBuilder().dir("sub").symlink("link", "sub").file("link/x", "y").build()),
                   "InvalidParameterValue.ZipFile", "inside the non-directory");
}

TEST(InspectCodePackage, RejectsSymlinksThatLeaveThePackage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/etc/passwd", "absolute path"},
      {"../../x", "outside the package"},
      {"..", "outside the package"},
      {"sub/../../x", "outside the package"},
      {"nothere/../../x", "outside the package"},
  };
  for (const auto& [target, fragment] : cases) {
    SCOPED_TRACE(target);
    expect_zip_error(inspect_code_package(ZipBuilder().dir("sub").symlink("link", target).build()),
                     "InvalidParameterValue.ZipFile", fragment);
  }
  // Nested link climbing one level too far.
  expect_zip_error(
      inspect_code_package(ZipBuilder().symlink("sub/deeper/link", "../../../x").build()),
      "InvalidParameterValue.ZipFile", "outside the package");
  // "up" -> "." is inside, but "up/.." would climb through it to the parent.
  expect_zip_error(
      inspect_code_package(ZipBuilder().symlink("up", ".").symlink("escape", "up/..").build()),
      "InvalidParameterValue.ZipFile", "through another symlink");
}

TEST(InspectCodePackage, AcceptsSymlinksThatStayInside) {
  auto info = inspect_code_package(ZipBuilder()
                                       .file("lib/real.py", "x")
                                       .symlink("alias.py", "lib/real.py")
                                       .symlink("lib/back", "../alias.py")
                                       .symlink("lib/self", ".")
                                       .build());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->entry_count, 4u);
}

TEST(InspectCodePackage, RejectsSpecialFilesAndEncryption) {
  expect_zip_error(inspect_code_package(ZipBuilder().special("fifo", S_IFIFO | 0644).build()),
                   "InvalidParameterValue.ZipFile", "not a file, directory or symlink");
}

TEST(InspectCodePackage, EnforcesSizeAndEntryLimits) {
  const std::string zeros(64 * 1024, '\0');  // compresses to almost nothing
  const std::string zip = ZipBuilder().file("a", zeros).file("b", zeros).build();
  ASSERT_LT(zip.size(), 4096u);

  CodePackageLimits small_zip;
  small_zip.max_zip_bytes = zip.size() - 1;
  auto r = inspect_code_package(zip, small_zip);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "LimitExceeded");
  EXPECT_NE(r.error().message.find("ZipFile is larger than"), std::string::npos);

  CodePackageLimits small_unpacked;
  small_unpacked.max_unpacked_bytes = 2 * zeros.size() - 1;
  r = inspect_code_package(zip, small_unpacked);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "LimitExceeded");
  EXPECT_NE(r.error().message.find("unpacks to more than"), std::string::npos);

  small_unpacked.max_unpacked_bytes = 2 * zeros.size();
  EXPECT_TRUE(inspect_code_package(zip, small_unpacked).ok());

  CodePackageLimits few_entries;
  few_entries.max_entries = 1;
  r = inspect_code_package(zip, few_entries);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "LimitExceeded");

  // Folders implied by deeper entries count too.
  CodePackageLimits few_dirs;
  few_dirs.max_entries = 3;
  r = inspect_code_package(ZipBuilder().file("a/b/c/d/f", "x").build(), few_dirs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "LimitExceeded");
  EXPECT_NE(r.error().message.find("directories"), std::string::npos);

  // The default limits are SCF's.
  EXPECT_EQ(CodePackageLimits{}.max_zip_bytes, 50u * 1024 * 1024);
  EXPECT_EQ(CodePackageLimits{}.max_unpacked_bytes, 500u * 1024 * 1024);
}

TEST(InspectCodePackage, RejectsADeclaredSizeThatLies) {
  // Shrink the declared size in both headers: the data turns out longer.
  const std::string content(1000, 'q');
  std::string zip = ZipBuilder().file("f", content).build();
  std::string declared(4, '\0');
  const uint32_t real = 1000, fake = 10;
  std::memcpy(declared.data(), &real, 4);
  std::string lie(4, '\0');
  std::memcpy(lie.data(), &fake, 4);
  auto r = inspect_code_package(patch(zip, declared, lie));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue.ZipFile");
}

// ---- extract ----

class ExtractCodePackage : public ::testing::Test {
 protected:
  fs::path dest() const { return tmp_.path() / "dest"; }
  fs::path sibling() const { return tmp_.path() / "sibling"; }
  void SetUp() override { fs::create_directory(sibling()); }

  // Runs a rejected extraction and checks nothing was left anywhere.
  void expect_rejected(const std::string& zip) {
    Status s = extract_code_package(zip, dest());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "InvalidParameterValue.ZipFile") << s.error().message;
    EXPECT_FALSE(fs::exists(dest()));
    EXPECT_TRUE(dir_is_empty(sibling()));
    EXPECT_FALSE(fs::exists(tmp_.path() / "evil"));
    EXPECT_FALSE(fs::exists(tmp_.path().parent_path() / "evil"));
  }

  TempDir tmp_;
};

TEST_F(ExtractCodePackage, WritesFilesWithReadOnlyModes) {
  const std::string zip = ZipBuilder()
                              .file("bootstrap", "#!/bin/sh\necho hi\n", 0755)
                              .file("index.py", "print(1)\n", 0600)
                              .dir("empty")
                              .file("lib/util.py", "X = 1\n")
                              .dos_file("win.txt", "w")
                              .dos_file("winlib\\mod.py", "m")
                              .build();
  Status s = extract_code_package(zip, dest());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(read_text(dest() / "bootstrap"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(read_text(dest() / "lib/util.py"), "X = 1\n");
  EXPECT_EQ(mode_of(dest() / "bootstrap"), 0555u);
  EXPECT_EQ(mode_of(dest() / "index.py"), 0444u);
  EXPECT_EQ(mode_of(dest() / "win.txt"), 0444u);
  EXPECT_EQ(mode_of(dest() / "lib/util.py"), 0444u);
  EXPECT_EQ(mode_of(dest() / "lib"), 0555u);
  EXPECT_EQ(mode_of(dest() / "empty"), 0555u);
  EXPECT_EQ(mode_of(dest()), 0555u);
  EXPECT_TRUE(fs::is_directory(dest() / "empty"));
  EXPECT_EQ(read_text(dest() / "winlib" / "mod.py"), "m");
}

TEST_F(ExtractCodePackage, RecreatesSymlinksThatStayInside) {
  const std::string zip = ZipBuilder()
                              .file("lib/real.py", "real")
                              .symlink("alias.py", "lib/real.py")
                              .symlink("lib/back", "../alias.py")
                              .build();
  Status s = extract_code_package(zip, dest());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(fs::is_symlink(dest() / "alias.py"));
  EXPECT_EQ(fs::read_symlink(dest() / "alias.py"), "lib/real.py");
  EXPECT_EQ(read_text(dest() / "lib/back"), "real");
}

TEST_F(ExtractCodePackage, AcceptsAnExistingEmptyDirectory) {
  fs::create_directory(dest());
  ASSERT_TRUE(extract_code_package(hello_package(), dest()).ok());
  EXPECT_EQ(read_text(dest() / "deep/a/b.txt"), "b");
}

TEST_F(ExtractCodePackage, RefusesANonEmptyOrSymlinkedDestination) {
  fs::create_directory(dest());
  { std::ofstream(dest() / "existing") << "keep"; }
  EXPECT_TRUE(fails_exactly(extract_code_package(hello_package(), dest()), "InternalError.System",
                            "extraction target exists and is not an empty directory: " +
                                dest().string()));
  EXPECT_EQ(read_text(dest() / "existing"), "keep");

  const fs::path link = tmp_.path() / "link";
  fs::create_directory_symlink(sibling(), link);
  EXPECT_TRUE(fails_exactly(extract_code_package(hello_package(), link), "InternalError.System",
                            "extraction target exists and is not an empty directory: " +
                                link.string()));
  EXPECT_TRUE(dir_is_empty(sibling()));
}

TEST_F(ExtractCodePackage, RejectsEscapingEntriesWithoutWritingAnything) {
  expect_rejected(ZipBuilder().file("ok.txt", "ok").file("../evil", "x").build());
  expect_rejected(ZipBuilder().file("ok.txt", "ok").file("../sibling/evil", "x").build());
  expect_rejected(ZipBuilder().file("ok.txt", "ok").file("a/../../evil", "x").build());
  expect_rejected(ZipBuilder().file("ok.txt", "ok").file("/tmp/evil", "x").build());
  expect_rejected(ZipBuilder().file("ok.txt", "ok").symlink("s", "/etc/passwd").build());
  expect_rejected(ZipBuilder().file("ok.txt", "ok").symlink("s", "../../x").build());
  expect_rejected(ZipBuilder().file("ok.txt", "ok").symlink("s", "../sibling").build());
  expect_rejected(ZipBuilder().symlink("out", "../sibling").file("out/evil", "x").build());
}

TEST_F(ExtractCodePackage, RemovesPartialOutputWhenDataIsCorrupt) {
  const std::string payload(4096, 'p');
  std::string zip =
      ZipBuilder().file("first.txt", "fine").stored_file("second.bin", "MARKER" + payload).build();
  const size_t pos = zip.find("MARKER");
  ASSERT_NE(pos, std::string::npos);
  zip[pos] = 'N';
  expect_rejected(zip);
}

TEST_F(ExtractCodePackage, EnforcesTheUnpackedLimit) {
  const std::string zip = ZipBuilder().file("big", std::string(100000, 'z')).build();
  CodePackageLimits limits;
  limits.max_unpacked_bytes = 1000;
  Status s = extract_code_package(zip, dest(), limits);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "LimitExceeded");
  EXPECT_FALSE(fs::exists(dest()));
}

// The store and the real extractor together, as the server wires them.
TEST(CodeStoreWithExtractor, UnpacksARealPackageReadOnly) {
  TempDir tmp;
  store::CodeStore store(tmp.path(), [](std::string_view zip, const fs::path& dest) {
    return extract_code_package(zip, dest);
  });
  const std::string zip = ZipBuilder().file("bootstrap", "#!/bin/sh\n", 0755).build();
  auto sha = store.put(zip);
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  auto dir = store.unpacked(*sha);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(*dir, tmp.path() / "unpacked" / *sha);
  EXPECT_EQ(read_text(*dir / "bootstrap"), "#!/bin/sh\n");
  EXPECT_EQ(mode_of(*dir / "bootstrap"), 0555u);
  EXPECT_EQ(mode_of(*dir), 0555u);
}

}  // namespace
}  // namespace yunfn::control
