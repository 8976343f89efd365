// CronSchedule: a parsed SCF timer-trigger cron expression (the trigger's
// TriggerDesc) and the computation of its next fire time, in UTC.
//
// Accepted syntax (docs/cron.md has the user-facing description):
//   7 fields  `second minute hour day month week year`   (recommended), or
//   5 fields  `minute hour day month week`               (legacy: second = 0, year = *).
// Each field is a comma-separated list of `*`, `v`, `a-b`, `*/n`, `a/n`, `a-b/n`;
// months take JAN-DEC and weeks SUN-SAT (case-insensitive); week 7 is also Sunday;
// `?` (no specific value) is accepted in day and week and means the same as `*`.
// When both day and week are restricted a day matches if either matches (OR).
//
// A CronSchedule is an immutable value: the timer trigger that owns it may copy
// it freely and call its const methods from any thread.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yunfn::triggers {

class CronSchedule {
 public:
  // Parses a 7- or 5-field expression. On failure the error code is
  // "InvalidParameterValue.TriggerDesc" and the message names the bad field,
  // e.g. "cron field 'hour' value 25 out of range 0-23".
  static Result<CronSchedule> parse(std::string_view expr);

  // The first fire time strictly after `after` (UTC, second resolution), or
  // nullopt when there is none before the end of year 2099 (an exhausted year
  // list or an impossible date such as 31 February). Called by the timer
  // trigger to arm its next wake-up; runs in microseconds.
  std::optional<std::chrono::sys_seconds> next_after(std::chrono::sys_seconds after) const;

  // The expression in 7-field form with single spaces, e.g. "*/5 * * * *"
  // becomes "0 */5 * * * * *". Field texts are kept as written.
  std::string normalized() const;

  // The set of allowed values of one field. Values are stored as bits at
  // (value - min), so the year field (1970-2099) fits the same type.
  struct FieldSet {
    std::bitset<130> bits;
    int min = 0;
    int max = 0;
    // False when the field was written as `*` or `?` (matters for day/week).
    bool restricted = false;

    bool contains(int value) const;
    // The smallest allowed value >= `from`, or nullopt when there is none.
    std::optional<int> next(int from) const;
  };

 private:
  // Whether the day (y, m, d) satisfies the day and week fields.
  bool day_matches(std::chrono::year_month_day date) const;
  // The first matching day >= `day` in month `m` of year `y`, if any.
  std::optional<unsigned> next_day(int y, unsigned m, unsigned day) const;

  FieldSet second_, minute_, hour_, day_, month_, week_, year_;
  std::string normalized_;
};

}  // namespace yunfn::triggers
