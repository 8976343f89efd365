// SCF's invocation status codes (the StatusCode of an invocation and its log
// record; SCF contract, "invocation status codes"), named so the data plane
// speaks of TimeLimitReached rather than 433. Constants; any thread.
#pragma once

namespace yunfn::scf_status {

inline constexpr int kSuccess = 200;
inline constexpr int kContainerStateExited = 405;  // bootstrap exited during init
inline constexpr int kRequestTooLarge = 406;
inline constexpr int kResponseTooLarge = 407;
inline constexpr int kResourceLimit = 429;          // scale-up (burst) limit
inline constexpr int kUserCodeException = 430;
inline constexpr int kResourceLimitReached = 432;   // concurrency quota
inline constexpr int kTimeLimitReached = 433;
inline constexpr int kMemoryLimitReached = 434;
inline constexpr int kFunctionNotFound = 435;
inline constexpr int kUserProcessExited = 439;
inline constexpr int kUserCodeError = 443;
inline constexpr int kContainerInitError = 445;
inline constexpr int kPortBindingFailed = 446;
inline constexpr int kInitContainerTimeout = 450;
inline constexpr int kRequestCanceled = 499;
inline constexpr int kInternalError = 500;

}  // namespace yunfn::scf_status
