#include "sandbox/freezer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace yunfn::sandbox {
namespace {

namespace fs = std::filesystem;

class FreezerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("yunfn-freezer-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    file_ = dir_ / "freezer.state";
    std::ofstream(file_) << "THAWED";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string state() const {
    std::ifstream f(file_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  fs::path dir_, file_;
};

TEST_F(FreezerTest, AWantedFreezeIsWrittenAndAThawUndoesIt) {
  Freezer freezer(file_, "FROZEN", "THAWED");
  freezer.want_frozen();
  EXPECT_EQ(state(), "THAWED");  // asking writes nothing
  freezer.freeze_if_wanted();
  EXPECT_EQ(state(), "FROZEN");
  freezer.thaw();
  EXPECT_EQ(state(), "THAWED");
}

TEST_F(FreezerTest, AThawBeforeTheWriteCancelsTheFreeze) {
  Freezer freezer(file_, "FROZEN", "THAWED");
  freezer.want_frozen();
  std::ofstream(file_) << "untouched";
  freezer.thaw();
  freezer.freeze_if_wanted();  // the worker's write comes late: nothing to do
  EXPECT_EQ(state(), "untouched");
}

TEST_F(FreezerTest, AFreezeNobodyAskedForWritesNothing) {
  Freezer freezer(file_, "1", "0");
  freezer.freeze_if_wanted();
  freezer.thaw();
  EXPECT_EQ(state(), "THAWED");
}

}  // namespace
}  // namespace yunfn::sandbox
