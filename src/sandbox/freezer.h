// Freezer: stops and resumes every process of one instance's cgroup (v2
// cgroup.freeze, or the v1 freezer). A freezer write can take milliseconds,
// so the pool freezes idle instances from a worker while thawing happens on
// the loop when an instance is handed out: the two meet under a mutex, and a
// thaw cancels a freeze that was asked for but not yet written.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

namespace yunfn::sandbox {

class Freezer {
 public:
  Freezer(std::filesystem::path file, std::string frozen_value, std::string thawed_value)
      : file_(std::move(file)), frozen_value_(std::move(frozen_value)),
        thawed_value_(std::move(thawed_value)) {}

  // Asks for a freeze; the write is freeze_if_wanted's.
  void want_frozen();
  // Writes the freeze unless a thaw came first; any thread.
  void freeze_if_wanted();
  // Cancels a wanted freeze and resumes the processes if they are frozen.
  void thaw();

 private:
  std::mutex mu_;
  const std::filesystem::path file_;
  const std::string frozen_value_;
  const std::string thawed_value_;
  bool wanted_ = false;
  bool frozen_ = false;
};

}  // namespace yunfn::sandbox
