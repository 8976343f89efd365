// Result<T>: the value of an operation that can fail in a way the caller can act on.
// A failure carries an SCF error code (e.g. "ResourceNotFound.Function") and a
// message naming the field; the API layer maps it 1:1 to the SCF error envelope.
// Plain value type; safe to use from any thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/check.h"
#include "common/error_codes.h"

namespace yunfn {

struct Error {
  std::string code;     // SCF error code, e.g. "InvalidParameterValue.MemorySize"
  std::string message;  // human readable, names the offending field

  bool is(ErrorCode c) const { return code == c.text; }
};

// An error with a code from the list (common/error_codes.h).
inline Error make_error(ErrorCode code, std::string message) {
  return Error{code.text, std::move(message)};
}

template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  // Not for Result<optional<T>>: there `if (!r)` would read as "not found".
  explicit operator bool() const
    requires(!kIsOptional<T>)
  {
    return ok();
  }

  T& value() & { YUNFN_CHECK(ok()); return std::get<0>(v_); }
  const T& value() const& { YUNFN_CHECK(ok()); return std::get<0>(v_); }
  T&& value() && { YUNFN_CHECK(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { YUNFN_CHECK(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace yunfn

// Propagates the error of a Result-returning expression, else yields its value.
#define YUNFN_TRY(var, expr)                 \
  auto var##_result_ = (expr);               \
  if (!var##_result_.ok()) return var##_result_.error(); \
  auto var = std::move(var##_result_).value()  // NOLINT(bugprone-macro-parentheses): var is the name declared

// The same for coroutines (co_return).
#define YUNFN_CO_TRY(var, expr)              \
  auto var##_result_ = (expr);               \
  if (!var##_result_.ok()) co_return var##_result_.error(); \
  auto var = std::move(var##_result_).value()  // NOLINT(bugprone-macro-parentheses): var is the name declared

#define YUNFN_CO_TRY_STATUS(expr)            \
  do {                                       \
    auto status_ = (expr);                   \
    if (!status_.ok()) co_return status_.error(); \
  } while (0)

#define YUNFN_TRY_STATUS(expr)               \
  do {                                       \
    auto status_ = (expr);                   \
    if (!status_.ok()) return status_.error(); \
  } while (0)
