#include "sandbox/freezer.h"

#include <fstream>

namespace yunfn::sandbox {
namespace {

bool write_value(const std::filesystem::path& p, const std::string& value) {
  std::ofstream f(p);
  f << value;
  f.flush();
  return static_cast<bool>(f);
}

}  // namespace

void Freezer::want_frozen() {
  std::lock_guard lock(mu_);
  wanted_ = true;
}

void Freezer::freeze_if_wanted() {
  std::lock_guard lock(mu_);
  if (!wanted_ || frozen_) return;
  wanted_ = false;
  frozen_ = write_value(file_, frozen_value_);
}

void Freezer::thaw() {
  std::lock_guard lock(mu_);
  wanted_ = false;
  if (frozen_ && write_value(file_, thawed_value_)) frozen_ = false;
}

}  // namespace yunfn::sandbox
