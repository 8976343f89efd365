// Tests for the content-addressed code store. The store treats packages as
// opaque bytes, so these tests use a small extractor that writes the bytes into
// one read-only file; the zip extractor is exercised with the store in
// tests/unit/control/code_package_test.cpp.
#include "store/code_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/crypto.h"

#include "../temp_dir.h"

namespace yunfn::store {
namespace {

using test_support::read_text;
using test_support::TempDir;

namespace fs = std::filesystem;

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

// Names in a directory (none if it does not exist).
std::vector<std::string> list(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Writes the package bytes to dest/content and seals the tree read-only;
// counts its calls and can be slowed down or made to fail.
struct TestExtractor {
  std::atomic<int> calls{0};
  std::atomic<int> delay_ms{0};
  std::atomic<bool> fail{false};

  CodeExtractor function() {
    return [this](std::string_view zip, const fs::path& dest) -> Status {
      ++calls;
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
      if (::mkdir(dest.c_str(), 0700) != 0) return make_error(errc::kInternalErrorSystem, "mkdir");
      { std::ofstream(dest / "content", std::ios::binary) << zip; }
      if (fail) return make_error(errc::kInvalidParameterValueZipFile, "ZipFile is broken");
      fs::permissions(dest / "content", fs::perms(0444));
      fs::permissions(dest, fs::perms(0555));
      return ok_status();
    };
  }
};

class CodeStoreTest : public ::testing::Test {
 protected:
  CodeStoreTest() : store_(tmp_.path() / "code", extractor_.function()) {}

  fs::path root() const { return tmp_.path() / "code"; }

  TempDir tmp_;
  TestExtractor extractor_;
  CodeStore store_;
};

TEST(CodeSha256, AcceptsOnlyLowercaseHexDigests) {
  EXPECT_TRUE(is_code_sha256(crypto::sha256_hex("x")));
  EXPECT_FALSE(is_code_sha256(""));
  EXPECT_FALSE(is_code_sha256(std::string(64, 'A')));
  EXPECT_FALSE(is_code_sha256(std::string(63, 'a')));
  EXPECT_FALSE(is_code_sha256("../../../../etc/passwd" + std::string(42, 'a')));
}

TEST_F(CodeStoreTest, PutStoresTheBytesUnderTheirHash) {
  auto sha = store_.put("package one");
  ASSERT_TRUE(sha.ok()) << sha.error().message;
  EXPECT_EQ(*sha, crypto::sha256_hex("package one"));
  const fs::path blob = root() / "blobs" / sha->substr(0, 2) / (*sha + ".zip");
  EXPECT_EQ(store_.blob_path(*sha), blob);
  EXPECT_EQ(read_text(blob), "package one");
  EXPECT_EQ(stat_of(blob).st_mode & 0777, 0444u);
  EXPECT_TRUE(store_.has(*sha));
  // No temporaries are left behind.
  EXPECT_EQ(list(blob.parent_path()), std::vector<std::string>{*sha + ".zip"});
}

TEST_F(CodeStoreTest, PutIsIdempotent) {
  auto first = store_.put("same bytes");
  ASSERT_TRUE(first.ok());
  const struct stat before = stat_of(store_.blob_path(*first));
  auto second = store_.put("same bytes");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  const struct stat after = stat_of(store_.blob_path(*first));
  EXPECT_EQ(before.st_ino, after.st_ino);  // not rewritten

  auto other = store_.put("other bytes");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first);
}

TEST_F(CodeStoreTest, GetReturnsTheBytesAndChecksThem) {
  const std::string bytes("\0binary\xff zip", 12);
  auto sha = store_.put(bytes);
  ASSERT_TRUE(sha.ok());
  auto got = store_.get(*sha);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, bytes);

  const std::string absent = crypto::sha256_hex("never stored");
  EXPECT_FALSE(store_.has(absent));
  auto missing = store_.get(absent);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "ResourceNotFound");

  auto bad = store_.get("../../etc/passwd");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterValue");
  EXPECT_FALSE(store_.has("../../etc/passwd"));

  // Damage on disk is detected rather than served.
  const fs::path blob = store_.blob_path(*sha);
  fs::permissions(blob, fs::perms(0644));
  { std::ofstream(blob, std::ios::binary) << std::string(bytes.size(), 't'); }
  auto damaged = store_.get(*sha);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, "InternalError.System");

  // Putting the same bytes again repairs it.
  ASSERT_TRUE(store_.put(bytes).ok());
  EXPECT_EQ(*store_.get(*sha), bytes);
}

TEST_F(CodeStoreTest, UnpackedExtractsOnceIntoAReadOnlyDirectory) {
  auto sha = store_.put("tree bytes");
  ASSERT_TRUE(sha.ok());
  auto dir = store_.unpacked(*sha);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(*dir, root() / "unpacked" / *sha);
  EXPECT_EQ(read_text(*dir / "content"), "tree bytes");
  EXPECT_EQ(stat_of(*dir).st_mode & 0777, 0555u);
  const struct stat before = stat_of(*dir / "content");

  auto again = store_.unpacked(*sha);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *dir);
  EXPECT_EQ(extractor_.calls.load(), 1);
  const struct stat after = stat_of(*dir / "content");
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(list(root() / "unpacked"), std::vector<std::string>{*sha});
}

TEST_F(CodeStoreTest, ConcurrentUnpackedCallsShareOneExtraction) {
  auto sha = store_.put("raced bytes");
  ASSERT_TRUE(sha.ok());
  extractor_.delay_ms = 200;
  constexpr int kThreads = 6;
  std::vector<Result<fs::path>> results(kThreads, make_error(errc::kInternalError, "unset"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { results[i] = store_.unpacked(*sha); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(extractor_.calls.load(), 1);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, root() / "unpacked" / *sha);
  }
  EXPECT_EQ(list(root() / "unpacked"), std::vector<std::string>{*sha});
}

TEST_F(CodeStoreTest, FailedExtractionLeavesNothingAndCanBeRetried) {
  auto sha = store_.put("broken bytes");
  ASSERT_TRUE(sha.ok());
  extractor_.fail = true;
  auto r = store_.unpacked(*sha);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValue.ZipFile");
  EXPECT_TRUE(list(root() / "unpacked").empty());

  extractor_.fail = false;
  auto retry = store_.unpacked(*sha);
  ASSERT_TRUE(retry.ok()) << retry.error().message;
  EXPECT_EQ(extractor_.calls.load(), 2);
}

TEST_F(CodeStoreTest, UnpackedNeedsAStoredPackage) {
  auto r = store_.unpacked(crypto::sha256_hex("not stored"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceNotFound");
  EXPECT_EQ(extractor_.calls.load(), 0);
  auto bad = store_.unpacked("../escape");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterValue");
}

TEST_F(CodeStoreTest, LeftoverTemporariesAreIgnoredThenCleaned) {
  auto sha = store_.put("crash bytes");
  ASSERT_TRUE(sha.ok());
  // What a crash in the middle of an extraction and of a put leaves behind.
  const fs::path stale_tree = root() / "unpacked" / (".tmp-" + *sha + "-deadbeef");
  fs::create_directories(stale_tree / "half");
  { std::ofstream(stale_tree / "half" / "file") << "partial"; }
  fs::permissions(stale_tree / "half", fs::perms(0555));
  const fs::path stale_blob =
      store_.blob_path(*sha).parent_path() / (".tmp-" + *sha + "-deadbeef.zip");
  { std::ofstream(stale_blob) << "partial"; }

  auto dir = store_.unpacked(*sha);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(read_text(*dir / "content"), "crash bytes");

  ASSERT_TRUE(store_.remove_unreferenced({*sha}).ok());
  EXPECT_FALSE(fs::exists(stale_tree));
  EXPECT_FALSE(fs::exists(stale_blob));
  EXPECT_TRUE(store_.has(*sha));
  EXPECT_TRUE(fs::is_directory(*dir));
}

TEST_F(CodeStoreTest, RemoveUnreferencedKeepsOnlyReferencedPackages) {
  // Nothing stored yet: nothing to do.
  ASSERT_TRUE(store_.remove_unreferenced({}).ok());

  auto keep = store_.put("keep me");
  auto drop = store_.put("drop me");
  ASSERT_TRUE(keep.ok() && drop.ok());
  ASSERT_TRUE(store_.unpacked(*keep).ok());
  ASSERT_TRUE(store_.unpacked(*drop).ok());
  const fs::path foreign = root() / "unpacked" / "README";
  { std::ofstream(foreign) << "not a package"; }

  ASSERT_TRUE(store_.remove_unreferenced({*keep}).ok());
  EXPECT_TRUE(store_.has(*keep));
  EXPECT_TRUE(fs::is_directory(store_.unpacked_path(*keep)));
  EXPECT_FALSE(store_.has(*drop));
  EXPECT_FALSE(fs::exists(store_.unpacked_path(*drop)));
  EXPECT_TRUE(fs::exists(foreign));  // names the store did not make are left alone

  // A removed package can be stored again.
  auto again = store_.put("drop me");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *drop);
  EXPECT_EQ(*store_.get(*drop), "drop me");
}

TEST_F(CodeStoreTest, ConcurrentPutsOfTheSameBytesAgree) {
  constexpr int kThreads = 4;
  const std::string bytes(1 << 20, 'c');
  std::vector<std::string> shas(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = store_.put(bytes);
      shas[i] = r.ok() ? *r : r.error().message;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : shas) EXPECT_EQ(s, crypto::sha256_hex(bytes));
  EXPECT_EQ(*store_.get(shas[0]), bytes);
  EXPECT_EQ(list(store_.blob_path(shas[0]).parent_path()).size(), 1u);
}

// Packages for layer views: each line "path=content" is a file, "path/" a
// directory, "path->target" a symlink. The tree is sealed read-only.
Status extract_tree(std::string_view package, const fs::path& dest) {
  fs::create_directory(dest);
  std::istringstream lines{std::string(package)};
  for (std::string line; std::getline(lines, line);) {
    if (auto arrow = line.find("->"); arrow != std::string::npos) {
      fs::create_directories((dest / line.substr(0, arrow)).parent_path());
      fs::create_symlink(line.substr(arrow + 2), dest / line.substr(0, arrow));
    } else if (line.back() == '/') {
      fs::create_directories(dest / line);
    } else {
      auto eq = line.find('=');
      fs::create_directories((dest / line.substr(0, eq)).parent_path());
      std::ofstream(dest / line.substr(0, eq)) << line.substr(eq + 1);
      fs::permissions(dest / line.substr(0, eq), fs::perms(0444));
    }
  }
  return ok_status();
}

class LayerViewTest : public ::testing::Test {
 protected:
  LayerViewTest() : store_(tmp_.path() / "code", extract_tree) {}

  std::string put(const std::string& package) {
    auto sha = store_.put(package);
    EXPECT_TRUE(sha.ok());
    return *sha;
  }

  TempDir tmp_;
  CodeStore store_;
};

TEST_F(LayerViewTest, OneLayerIsItsUnpackedTree) {
  std::string a = put("lib/a.py=A\n");
  auto view = store_.layer_view({a});
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(*view, store_.unpacked_path(a));
}

TEST_F(LayerViewTest, LaterLayersWinAndDirectoriesMerge) {
  std::string first = put("shared.py=first\nonly_first.py=1\nlib/x.py=x1\nlib/deep/y.py=y1\nbin=a file\n");
  std::string second = put("shared.py=second\nlib/z.py=z2\nlib/deep/y.py=y2\nbin/tool=t\nlink->shared.py\n");
  auto view = store_.layer_view({first, second});
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->parent_path(), tmp_.path() / "code" / "layer-views");
  EXPECT_EQ(read_text(*view / "shared.py"), "second");
  EXPECT_EQ(read_text(*view / "only_first.py"), "1");
  EXPECT_EQ(read_text(*view / "lib/x.py"), "x1");
  EXPECT_EQ(read_text(*view / "lib/z.py"), "z2");
  EXPECT_EQ(read_text(*view / "lib/deep/y.py"), "y2");
  EXPECT_EQ(read_text(*view / "bin/tool"), "t");  // a directory replaced a file
  EXPECT_EQ(fs::read_symlink(*view / "link"), "shared.py");
  // Files are hard links into the unpacked trees, not copies.
  EXPECT_EQ(stat_of(*view / "only_first.py").st_ino,
            stat_of(store_.unpacked_path(first) / "only_first.py").st_ino);
  // No temporaries are left, and the unpacked trees are untouched.
  EXPECT_EQ(list(view->parent_path()).size(), 1u);
  EXPECT_EQ(read_text(store_.unpacked_path(first) / "shared.py"), "first");

  // The other order is another view, in which the first package wins.
  auto reversed = store_.layer_view({second, first});
  ASSERT_TRUE(reversed.ok());
  EXPECT_NE(*reversed, *view);
  EXPECT_EQ(read_text(*reversed / "shared.py"), "first");
  EXPECT_EQ(read_text(*reversed / "bin"), "a file");  // a file replaced a directory
  // Asking again returns the view built before.
  auto again = store_.layer_view({first, second});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *view);
}

TEST_F(LayerViewTest, RefusesMissingOrMalformedPackages) {
  std::string a = put("a=1\n");
  auto missing = store_.layer_view({a, crypto::sha256_hex("never stored")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(list(tmp_.path() / "code" / "layer-views"), std::vector<std::string>{});
  EXPECT_FALSE(store_.layer_view({a, "../../etc"}).ok());
  EXPECT_FALSE(store_.layer_view({}).ok());
}

}  // namespace
}  // namespace yunfn::store
