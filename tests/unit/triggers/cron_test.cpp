// Tests for CronSchedule: parsing of SCF timer-trigger cron expressions and the
// next fire time. Expected times were worked out by hand from the calendar
// (e.g. 2024-03-10 is a Sunday, 1970-01-01 a Thursday) and cross-checked with a
// separate day-by-day scanner; they are not produced by the code under test.
#include "triggers/timer/cron.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../test_support.h"

namespace yunfn::triggers {
namespace {

using test_support::fails_exactly;

using std::chrono::sys_seconds;

// "YYYY-MM-DD HH:MM:SS" (UTC) -> sys_seconds.
sys_seconds at(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int n = std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  EXPECT_EQ(n, 6) << text;
  using namespace std::chrono;
  return sys_days(year(y) / month(static_cast<unsigned>(mo)) / day(static_cast<unsigned>(d))) +
         hours(h) + minutes(mi) + seconds(s);
}

// sys_seconds -> "YYYY-MM-DD HH:MM:SS", or "none" for nullopt.
std::string show(std::optional<sys_seconds> t) {
  if (!t) return "none";
  using namespace std::chrono;
  sys_days day = floor<days>(*t);
  year_month_day ymd(day);
  hh_mm_ss<seconds> hms(*t - day);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

struct NextCase {
  const char* expr;
  const char* after;
  std::vector<std::string> expected;  // successive fire times; "none" = no more
};

const std::vector<NextCase> kNextCases = {
    // Every 5 seconds, including a day rollover.
    {"*/5 * * * * * *", "2024-03-10 12:00:00",
     {"2024-03-10 12:00:05", "2024-03-10 12:00:10", "2024-03-10 12:00:15"}},
    {"*/5 * * * * * *", "2024-03-10 12:00:03", {"2024-03-10 12:00:05"}},
    {"*/5 * * * * * *", "2024-03-10 23:59:55", {"2024-03-11 00:00:00"}},
    // 10:15 Monday to Friday: Friday 2024-03-15 jumps to Monday 2024-03-18.
    {"0 15 10 * * MON-FRI *", "2024-03-15 10:15:00",
     {"2024-03-18 10:15:00", "2024-03-19 10:15:00"}},
    {"0 15 10 * * MON-FRI *", "2024-03-13 09:00:00", {"2024-03-13 10:15:00"}},
    {"0 15 10 * * MON-FRI *", "2024-03-16 11:00:00", {"2024-03-18 10:15:00"}},
    // One-shot date with a year: fires once, then never.
    {"0 30 12 1 1 * 2030", "2024-06-01 00:00:00", {"2030-01-01 12:30:00", "none"}},
    // Every half hour in working hours.
    {"0 */30 9-17 * * * *", "2024-03-10 08:59:59",
     {"2024-03-10 09:00:00", "2024-03-10 09:30:00", "2024-03-10 10:00:00"}},
    {"0 */30 9-17 * * * *", "2024-03-10 17:30:00", {"2024-03-11 09:00:00"}},
    // Month names, a list, lower case, and legacy 5-field form.
    {"0 0 12 * JAN,JUL * *", "2024-02-01 00:00:00",
     {"2024-07-01 12:00:00", "2024-07-02 12:00:00"}},
    {"0 12 1 jul *", "2024-02-01 00:00:00", {"2024-07-01 12:00:00"}},
    {"0 0 0 1 jan-mar/2 * *", "2024-01-01 00:00:00",
     {"2024-03-01 00:00:00", "2025-01-01 00:00:00"}},
    {"0 0 0 1 DEC * *", "2024-12-01 00:00:00", {"2025-12-01 00:00:00"}},
    // Week names and numbers; 7 is Sunday too.
    {"0 0 8 * * sun *", "2024-03-10 08:00:00", {"2024-03-17 08:00:00", "2024-03-24 08:00:00"}},
    {"0 0 0 * * 7 *", "2024-03-10 00:00:00", {"2024-03-17 00:00:00"}},
    {"0 0 0 * * 5-7 *", "2024-03-10 00:00:00",
     {"2024-03-15 00:00:00", "2024-03-16 00:00:00", "2024-03-17 00:00:00",
      "2024-03-22 00:00:00"}},
    {"0 0 0 * * 1,3,5 *", "2024-03-10 00:00:00",
     {"2024-03-11 00:00:00", "2024-03-13 00:00:00", "2024-03-15 00:00:00",
      "2024-03-18 00:00:00"}},
    {"0 0 0 ? * SAT,SUN *", "2024-03-11 00:00:00",
     {"2024-03-16 00:00:00", "2024-03-17 00:00:00", "2024-03-23 00:00:00"}},
    {"0 0 0 * * 0 1970", "1970-01-01 00:00:00", {"1970-01-04 00:00:00"}},
    // '?' means "no specific value" in day or week.
    {"0 0 0 ? * MON *", "2024-03-10 00:00:00", {"2024-03-11 00:00:00", "2024-03-18 00:00:00"}},
    {"0 0 12 15 * ? *", "2024-03-15 12:00:00", {"2024-04-15 12:00:00", "2024-05-15 12:00:00"}},
    // Ranges with steps, lists, `a/n`.
    {"0 0 0 1-10/3 * * *", "2024-03-04 00:00:00",
     {"2024-03-07 00:00:00", "2024-03-10 00:00:00", "2024-04-01 00:00:00"}},
    {"10,20,40 * * * * * *", "2024-03-10 12:00:20",
     {"2024-03-10 12:00:40", "2024-03-10 12:01:10"}},
    {"1/10 * * * * * *", "2024-03-10 12:00:00",
     {"2024-03-10 12:00:01", "2024-03-10 12:00:11", "2024-03-10 12:00:21",
      "2024-03-10 12:00:31", "2024-03-10 12:00:41", "2024-03-10 12:00:51",
      "2024-03-10 12:01:01"}},
    {"5/20 * * * * * *", "2024-03-10 12:00:45", {"2024-03-10 12:01:05", "2024-03-10 12:01:25"}},
    {"0 10-30/5 * * * * *", "2024-03-10 12:30:00",
     {"2024-03-10 13:10:00", "2024-03-10 13:15:00"}},
    {"0 10-30/5 * * * * *", "2024-03-10 12:12:00",
     {"2024-03-10 12:15:00", "2024-03-10 12:20:00"}},
    {"0 0 0 */10 * * *", "2024-03-20 00:00:00",
     {"2024-03-21 00:00:00", "2024-03-31 00:00:00", "2024-04-01 00:00:00"}},
    {"15-17 * * * * * *", "2024-03-10 12:00:17", {"2024-03-10 12:01:15", "2024-03-10 12:01:16"}},
    {"*/7 * * * * * *", "2024-03-10 12:00:56", {"2024-03-10 12:01:00"}},
    // A step larger than the range leaves only the first value.
    {"*/90 * * * * * *", "2024-03-10 12:00:00", {"2024-03-10 12:01:00"}},
    {"0 0 0 1 1 * */9999999999", "1969-12-31 00:00:00", {"1970-01-01 00:00:00", "none"}},
    {"0 0 0 1 * * 2024-2026/2", "2024-12-01 00:00:00",
     {"2026-01-01 00:00:00", "2026-02-01 00:00:00"}},
    // Day and week both restricted: OR. 13th of the month or any Friday.
    {"0 0 0 13 * FRI *", "2024-01-01 00:00:00",
     {"2024-01-05 00:00:00", "2024-01-12 00:00:00", "2024-01-13 00:00:00",
      "2024-01-19 00:00:00", "2024-01-26 00:00:00"}},
    {"0 0 0 1,15 * MON *", "2024-04-01 00:00:00",
     {"2024-04-08 00:00:00", "2024-04-15 00:00:00", "2024-04-22 00:00:00",
      "2024-04-29 00:00:00"}},
    {"0 0 0 */2 * MON *", "2024-04-01 00:00:00",
     {"2024-04-03 00:00:00", "2024-04-05 00:00:00", "2024-04-07 00:00:00"}},
    // Feb 29 or any Monday in February; the month still restricts.
    {"0 0 0 29 2 1 *", "2024-02-26 00:00:00",
     {"2024-02-29 00:00:00", "2025-02-03 00:00:00", "2025-02-10 00:00:00"}},
    // Leap days.
    {"0 0 0 29 2 * *", "2023-01-01 00:00:00", {"2024-02-29 00:00:00", "2028-02-29 00:00:00"}},
    {"0 0 0 29 2 * *", "2024-02-29 00:00:00", {"2028-02-29 00:00:00"}},
    {"0 0 0 * * * *", "2024-02-28 00:00:00", {"2024-02-29 00:00:00", "2024-03-01 00:00:00"}},
    {"0 0 0 * * * *", "2023-02-28 00:00:00", {"2023-03-01 00:00:00"}},
    {"0 0 23 28-31 * * *", "2024-02-28 23:00:00",
     {"2024-02-29 23:00:00", "2024-03-28 23:00:00"}},
    // Impossible dates end the search instead of looping.
    {"0 0 0 31 2 * *", "2024-01-01 00:00:00", {"none"}},
    {"0 0 0 30 2 * *", "1970-01-01 00:00:00", {"none"}},
    {"0 0 0 29 2 * 2097-2099", "2024-01-01 00:00:00", {"none"}},
    {"0 0 0 31 * * *", "2024-04-01 00:00:00",
     {"2024-05-31 00:00:00", "2024-07-31 00:00:00", "2024-08-31 00:00:00"}},
    // Legacy 5 fields: second is 0.
    {"*/15 * * * *", "2024-03-10 12:07:30", {"2024-03-10 12:15:00", "2024-03-10 12:30:00"}},
    {"0 9 * * 1", "2024-03-10 12:00:00", {"2024-03-11 09:00:00", "2024-03-18 09:00:00"}},
    // Year end rollover and the ends of the year range.
    {"0 0 0 * * * *", "2024-12-31 23:59:59", {"2025-01-01 00:00:00"}},
    {"59 59 23 31 12 * *", "2024-12-31 23:59:59", {"2025-12-31 23:59:59"}},
    {"0 0 0 1 1 * 2025,2027", "2025-01-01 00:00:00", {"2027-01-01 00:00:00", "none"}},
    {"0 0 0 1 1 * 2099", "2099-01-01 00:00:00", {"none"}},
    {"* * * * * * *", "2099-12-31 23:59:58", {"2099-12-31 23:59:59", "none"}},
    {"0 0 0 1 1 * *", "1969-06-01 00:00:00", {"1970-01-01 00:00:00"}},
    // Plain values and surrounding whitespace.
    {"30 * * * * * *", "2024-03-10 12:00:30", {"2024-03-10 12:01:30"}},
    {"0 0 * * * * *", "2024-03-10 23:00:00", {"2024-03-11 00:00:00"}},
    {"0 5 4 * * * *", "2024-03-10 04:05:00", {"2024-03-11 04:05:00"}},
    {"  0  0  12  *  *  *  *  ", "2024-03-10 12:00:00", {"2024-03-11 12:00:00"}},
};

TEST(CronScheduleTest, NextFireTimes) {
  for (const NextCase& c : kNextCases) {
    SCOPED_TRACE(std::string("expr '") + c.expr + "' after " + c.after);
    Result<CronSchedule> schedule = CronSchedule::parse(c.expr);
    ASSERT_TRUE(schedule.ok()) << schedule.error().message;
    std::optional<sys_seconds> t = at(c.after);
    for (const std::string& expected : c.expected) {
      t = schedule->next_after(*t);
      ASSERT_EQ(show(t), expected);
      if (!t) break;
    }
  }
}

TEST(CronScheduleTest, TableIsLargeEnough) { EXPECT_GE(kNextCases.size(), 40u); }

TEST(CronScheduleTest, EveryFiveSecondsFiresEvenlyThroughADay) {
  auto schedule = CronSchedule::parse("*/5 * * * * * *");
  ASSERT_TRUE(schedule.ok());
  sys_seconds t = at("2024-03-09 23:59:55");
  int fires = 0;
  while (true) {
    sys_seconds next = *schedule->next_after(t);
    if (next >= at("2024-03-11 00:00:00")) break;
    EXPECT_EQ((next - t).count(), 5);
    t = next;
    ++fires;
  }
  EXPECT_EQ(fires, 24 * 60 * 12);
}

TEST(CronScheduleTest, NextAfterIsStrictlyLater) {
  auto schedule = CronSchedule::parse("0 0 0 * * * *");
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(show(schedule->next_after(at("2024-03-10 00:00:00"))), "2024-03-11 00:00:00");
  EXPECT_EQ(show(schedule->next_after(at("2024-03-09 23:59:59"))), "2024-03-10 00:00:00");
}

TEST(CronScheduleTest, ImpossibleDatesFinishQuickly) {
  // Each call must give up after scanning the year range, not loop per second.
  auto schedule = CronSchedule::parse("0 0 0 31 2,4,6,9,11 * *");
  ASSERT_TRUE(schedule.ok());
  auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(schedule->next_after(at("1970-01-01 00:00:00")).has_value());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

TEST(CronScheduleTest, NormalizedGivesSevenFields) {
  EXPECT_EQ(CronSchedule::parse("*/5 * * * *")->normalized(), "0 */5 * * * * *");
  EXPECT_EQ(CronSchedule::parse("  0 15 10  * * MON-FRI * ")->normalized(),
            "0 15 10 * * MON-FRI *");
  // The normalized form parses to the same schedule.
  auto again = CronSchedule::parse(CronSchedule::parse("0 9 * * 1")->normalized());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(show(again->next_after(at("2024-03-10 12:00:00"))), "2024-03-11 09:00:00");
}

struct InvalidCase {
  const char* expr;
  const char* field;    // the field the message must name; "" for a field-count error
  const char* message;  // a fragment the message must contain
};

const std::vector<InvalidCase> kInvalidCases = {
    {"", "", "needs 7 fields (or 5), got 0"},
    {"* * * *", "", "needs 7 fields (or 5), got 4"},
    {"* * * * * *", "", "needs 7 fields (or 5), got 6"},
    {"* * * * * * * *", "", "needs 7 fields (or 5), got 8"},
    {"0 0 25 * * * *", "hour", "value 25 out of range 0-23"},
    {"60 * * * * * *", "second", "value 60 out of range 0-59"},
    {"0 60 * * * * *", "minute", "value 60 out of range 0-59"},
    {"0 0 0 0 * * *", "day", "value 0 out of range 1-31"},
    {"0 0 0 32 * * *", "day", "value 32 out of range 1-31"},
    {"0 0 0 * 13 * *", "month", "value 13 out of range 1-12"},
    {"0 0 0 * * 8 *", "week", "value 8 out of range 0-6"},
    {"0 0 0 * * * 1969", "year", "value 1969 out of range 1970-2099"},
    {"0 0 0 * * * 2100", "year", "value 2100 out of range 1970-2099"},
    {"99999999999999999999 * * * * * *", "second", "out of range 0-59"},
    {"0 0 0 * FOO * *", "month", "invalid value 'FOO'"},
    {"0 0 0 * JAN-FOO * *", "month", "invalid value 'FOO'"},
    {"0 0 0 * * MOX *", "week", "invalid value 'MOX'"},
    {"0 0 MON * * * *", "hour", "invalid value 'MON'"},
    {"0 0 0 * * * abc", "year", "invalid value 'abc'"},
    {"*/ * * * * * *", "second", "empty step"},
    {"*/0 * * * * * *", "second", "step must be at least 1"},
    {"0 */-1 * * * * *", "minute", "invalid step"},
    {"0 0 0 * * 1/ *", "week", "empty step"},
    {"0 30-10 * * * * *", "minute", "range 30-10 is reversed"},
    {"0 0 0 * * MON-SUN *", "week", "range MON-SUN is reversed"},
    {"0 0 1$ * * * *", "hour", "invalid value '1$'"},
    {"0 0 0 1-2-3 * * *", "day", "invalid value '2-3'"},
    {"-1 * * * * * *", "second", "empty value"},
    {"+5 * * * * * *", "second", "invalid value '+5'"},
    {"0 0 0 1,,2 * * *", "day", "empty list item"},
    {"0 0 0 1, * * *", "day", "empty list item"},
    {"? * * * * * *", "second", "allowed only in day and week"},
    {"0 0 0 * ? * *", "month", "allowed only in day and week"},
    {"0 0 0 ?/2 * * *", "day", "step after '?'"},
    {"0 0 0 1,? * * *", "day", "'?' must stand alone"},
    {"0 0 0 * * * 1/0", "year", "step must be at least 1"},
};

TEST(CronScheduleTest, InvalidExpressionsNameTheField) {
  for (const InvalidCase& c : kInvalidCases) {
    SCOPED_TRACE(std::string("expr '") + c.expr + "'");
    Result<CronSchedule> schedule = CronSchedule::parse(c.expr);
    ASSERT_FALSE(schedule.ok());
    EXPECT_EQ(schedule.error().code, "InvalidParameterValue.TriggerDesc");
    const std::string& message = schedule.error().message;
    if (std::string(c.field).empty()) {
      EXPECT_EQ(message.rfind("cron expression ", 0), 0u) << message;
    } else {
      EXPECT_NE(message.find(std::string("cron field '") + c.field + "'"), std::string::npos)
          << message;
    }
    EXPECT_NE(message.find(c.message), std::string::npos) << message;
  }
}

TEST(CronScheduleTest, HourMessageIsExact) {
  EXPECT_TRUE(fails_exactly(CronSchedule::parse("0 0 25 * * * *"),
                            "InvalidParameterValue.TriggerDesc",
                            "cron field 'hour' value 25 out of range 0-23"));
  EXPECT_TRUE(fails_exactly(CronSchedule::parse("* * * *"), "InvalidParameterValue.TriggerDesc",
                            "cron expression needs 7 fields (or 5), got 4"));
}

}  // namespace
}  // namespace yunfn::triggers
