// The version of this yunfn build and the git commit it was built from
// (generated at build time by cmake/build_info.cmake). Any thread may call.
#pragma once

namespace yunfn {

const char* build_version();  // e.g. "0.1.0"
const char* build_commit();   // short hash, "-dirty" with uncommitted changes, or "unknown"

}  // namespace yunfn
