// CronSchedule parsing and next-fire-time search. See cron.h and docs/cron.md.
#include "triggers/timer/cron.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <vector>

namespace yunfn::triggers {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

constexpr ErrorCode kErrorCode = errc::kInvalidParameterValueTriggerDesc;
constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2099;

// Static description of one field: its name in messages, the range `*`
// expands to, the largest accepted literal and the names it accepts.
struct FieldSpec {
  std::string_view name;
  int min;
  int max;           // upper bound of `*` and of an open `a/n`
  int accept_max;    // largest literal accepted (week also takes 7 = Sunday)
  const std::array<std::string_view, 12>* names;  // names[i] means min + i
  bool allows_question;
};

constexpr std::array<std::string_view, 12> kMonthNames = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 12> kWeekNames = {"SUN", "MON", "TUE", "WED",
                                                         "THU", "FRI", "SAT"};

constexpr FieldSpec kSecond{"second", 0, 59, 59, nullptr, false};
constexpr FieldSpec kMinute{"minute", 0, 59, 59, nullptr, false};
constexpr FieldSpec kHour{"hour", 0, 23, 23, nullptr, false};
constexpr FieldSpec kDay{"day", 1, 31, 31, nullptr, true};
constexpr FieldSpec kMonth{"month", 1, 12, 12, &kMonthNames, false};
constexpr FieldSpec kWeek{"week", 0, 6, 7, &kWeekNames, true};
constexpr FieldSpec kYear{"year", kFirstYear, kLastYear, kLastYear, nullptr, false};

Error field_error(const FieldSpec& spec, const std::string& what) {
  return make_error(kErrorCode,
                    "cron field '" + std::string(spec.name) + "' " + what);
}

std::string range_text(const FieldSpec& spec) {
  std::string text = std::to_string(spec.min) + "-" + std::to_string(spec.max);
  if (spec.accept_max != spec.max) text += " (or 7 for Sunday)";
  return text;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

std::vector<std::string_view> split_whitespace(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// One literal: a decimal number or, for month and week, a name. The result
// is range-checked against [min, accept_max].
Result<int> parse_value(const FieldSpec& spec, std::string_view text) {
  if (text.empty()) return field_error(spec, "has an empty value");
  if (spec.names != nullptr) {
    for (size_t i = 0; i < spec.names->size(); ++i) {
      if (!(*spec.names)[i].empty() && equals_ignore_case(text, (*spec.names)[i])) {
        return spec.min + static_cast<int>(i);
      }
    }
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool all_digits = std::isdigit(static_cast<unsigned char>(text[0])) != 0;
  if (!all_digits || end != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return field_error(spec, "has invalid value '" + std::string(text) + "'");
  }
  if (ec == std::errc::result_out_of_range || value < spec.min || value > spec.accept_max) {
    return field_error(spec, "value " + std::string(text) + " out of range " + range_text(spec));
  }
  return static_cast<int>(value);
}

// The step after '/', a positive number.
Result<int64_t> parse_step(const FieldSpec& spec, std::string_view item, std::string_view text) {
  if (text.empty()) return field_error(spec, "has an empty step in '" + std::string(item) + "'");
  int64_t step = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), step);
  if (ec != std::errc() || end != text.data() + text.size() ||
      !std::isdigit(static_cast<unsigned char>(text[0]))) {
    return field_error(spec, "has invalid step in '" + std::string(item) + "'");
  }
  if (step < 1) return field_error(spec, "step must be at least 1 in '" + std::string(item) + "'");
  return step;
}

void set_value(CronSchedule::FieldSet& set, const FieldSpec& spec, int value) {
  if (spec.accept_max != spec.max && value == spec.accept_max) value = spec.min;  // 7 -> Sunday
  set.bits.set(static_cast<size_t>(value - spec.min));
}

// One list item: `*`, `?`, `v`, `a-b`, each optionally followed by `/n`.
Status parse_item(const FieldSpec& spec, std::string_view item, CronSchedule::FieldSet& set) {
  if (item.empty()) return field_error(spec, "has an empty list item");
  size_t slash = item.find('/');
  std::string_view base = item.substr(0, slash);
  int64_t step = 1;
  if (slash != std::string_view::npos) {
    YUNFN_TRY(parsed_step, parse_step(spec, item, item.substr(slash + 1)));
    step = parsed_step;
  }
  if (base == "?") {
    if (!spec.allows_question) {
      return field_error(spec, "has '?', which is allowed only in day and week");
    }
    if (slash != std::string_view::npos) return field_error(spec, "has a step after '?'");
  }
  int low = spec.min;
  int high = spec.max;
  if (base != "*" && base != "?") {
    size_t dash = base.find('-');
    YUNFN_TRY(first, parse_value(spec, base.substr(0, dash)));
    low = first;
    // A single value without a step is just that value; `a/n` runs to the end.
    high = slash == std::string_view::npos ? first : std::max(first, spec.max);
    if (dash != std::string_view::npos) {
      YUNFN_TRY(last, parse_value(spec, base.substr(dash + 1)));
      if (last < first) {
        return field_error(spec, "range " + std::string(base) + " is reversed");
      }
      high = last;
    }
  }
  // Steps may be huge (e.g. `*/9999999999`); stop before `v + step` could overflow.
  for (int64_t v = low; v <= high; v += step) {
    set_value(set, spec, static_cast<int>(v));
    if (step > high - v) break;
  }
  return ok_status();
}

Result<CronSchedule::FieldSet> parse_field(const FieldSpec& spec, std::string_view text) {
  CronSchedule::FieldSet set;
  set.min = spec.min;
  set.max = spec.max;
  set.restricted = text != "*" && text != "?";
  for (std::string_view item : split(text, ',')) {
    if (item == "?" && text != "?") {
      return field_error(spec, "has '?' in a list; '?' must stand alone");
    }
    YUNFN_TRY_STATUS(parse_item(spec, item, set));
  }
  return set;
}

std::string join(const std::vector<std::string_view>& fields) {
  std::string out;
  for (std::string_view f : fields) {
    if (!out.empty()) out += ' ';
    out += f;
  }
  return out;
}

}  // namespace

bool CronSchedule::FieldSet::contains(int value) const {
  return value >= min && value <= max && bits.test(static_cast<size_t>(value - min));
}

std::optional<int> CronSchedule::FieldSet::next(int from) const {
  for (int v = std::max(from, min); v <= max; ++v) {
    if (bits.test(static_cast<size_t>(v - min))) return v;
  }
  return std::nullopt;
}

Result<CronSchedule> CronSchedule::parse(std::string_view expr) {
  std::vector<std::string_view> fields = split_whitespace(expr);
  if (fields.size() == 5) {
    fields.insert(fields.begin(), "0");
    fields.push_back("*");
  } else if (fields.size() != 7) {
    return make_error(kErrorCode, "cron expression needs 7 fields (or 5), got " +
                                                   std::to_string(fields.size()));
  }
  CronSchedule schedule;
  FieldSet* targets[] = {&schedule.second_, &schedule.minute_, &schedule.hour_,
                         &schedule.day_,    &schedule.month_,  &schedule.week_,
                         &schedule.year_};
  const FieldSpec* specs[] = {&kSecond, &kMinute, &kHour, &kDay, &kMonth, &kWeek, &kYear};
  for (size_t i = 0; i < fields.size(); ++i) {
    YUNFN_TRY(set, parse_field(*specs[i], fields[i]));
    *targets[i] = set;
  }
  schedule.normalized_ = join(fields);
  return schedule;
}

std::string CronSchedule::normalized() const { return normalized_; }

bool CronSchedule::day_matches(std::chrono::year_month_day date) const {
  bool by_day = day_.contains(static_cast<int>(static_cast<unsigned>(date.day())));
  int weekday = static_cast<int>(std::chrono::weekday(sys_days(date)).c_encoding());
  bool by_week = week_.contains(weekday);
  // An unrestricted field has every bit set, so AND leaves the other in charge.
  if (day_.restricted && week_.restricted) return by_day || by_week;
  return by_day && by_week;
}

std::optional<unsigned> CronSchedule::next_day(int y, unsigned m, unsigned day) const {
  using namespace std::chrono;
  unsigned last = static_cast<unsigned>(
      year_month_day_last(year(y), month_day_last(month(m))).day());
  for (unsigned d = day; d <= last; ++d) {
    if (day_matches(year_month_day(year(y), month(m), std::chrono::day(d)))) return d;
  }
  return std::nullopt;
}

// Field-by-field search: each step either accepts the current value of a field
// or moves it to the next allowed one (resetting the smaller fields), carrying
// into the next larger field when a field runs out. Only days carry more than
// once per pass, so the loop is bounded by a few iterations per month of the
// remaining year range.
std::optional<sys_seconds> CronSchedule::next_after(sys_seconds after) const {
  using namespace std::chrono;
  sys_seconds start = std::max(after + seconds(1), sys_seconds(sys_days(year(kFirstYear) / 1 / 1)));
  sys_days start_day = floor<days>(start);
  year_month_day ymd(start_day);
  hh_mm_ss<seconds> hms(start - start_day);
  int y = static_cast<int>(ymd.year());
  int mo = static_cast<int>(static_cast<unsigned>(ymd.month()));
  int d = static_cast<int>(static_cast<unsigned>(ymd.day()));
  int h = static_cast<int>(hms.hours().count());
  int mi = static_cast<int>(hms.minutes().count());
  int s = static_cast<int>(hms.seconds().count());

  while (true) {
    std::optional<int> ny = year_.next(y);
    if (!ny) return std::nullopt;
    if (*ny != y) { y = *ny; mo = 1; d = 1; h = mi = s = 0; }

    std::optional<int> nmo = month_.next(mo);
    if (!nmo) { ++y; mo = 1; d = 1; h = mi = s = 0; continue; }
    if (*nmo != mo) { mo = *nmo; d = 1; h = mi = s = 0; }

    std::optional<unsigned> nd = next_day(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    if (!nd) { ++mo; d = 1; h = mi = s = 0; continue; }
    if (static_cast<int>(*nd) != d) { d = static_cast<int>(*nd); h = mi = s = 0; }

    std::optional<int> nh = hour_.next(h);
    if (!nh) { ++d; h = mi = s = 0; continue; }
    if (*nh != h) { h = *nh; mi = s = 0; }

    std::optional<int> nmi = minute_.next(mi);
    if (!nmi) { ++h; mi = s = 0; continue; }
    if (*nmi != mi) { mi = *nmi; s = 0; }

    std::optional<int> ns = second_.next(s);
    if (!ns) { ++mi; s = 0; continue; }
    s = *ns;

    sys_days date = sys_days(year(y) / month(static_cast<unsigned>(mo)) /
                             std::chrono::day(static_cast<unsigned>(d)));
    return date + hours(h) + minutes(mi) + seconds(s);
  }
}

}  // namespace yunfn::triggers
