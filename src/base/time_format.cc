#include "base/time_format.h"

#include <cstdio>
#include <ctime>

namespace ocitree {

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

Result<int64_t> ParseTimestamp(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("invalid timestamp '" + std::string(text) +
                           "': expected RFC 3339 such as 2024-01-01T00:00:00Z, or @SECONDS");
  };
  if (!text.empty() && text[0] == '@') {
    int64_t v = 0;
    if (text.size() < 2 || text.size() > 19) return bad();
    for (char c : text.substr(1)) {
      if (c < '0' || c > '9') return bad();
      v = v * 10 + (c - '0');
    }
    return v;
  }
  int year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' || !Digits(text, 5, 2, &month) ||
      text[7] != '-' || !Digits(text, 8, 2, &day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !Digits(text, 11, 2, &hour) || text[13] != ':' || !Digits(text, 14, 2, &minute) || text[16] != ':' ||
      !Digits(text, 17, 2, &second))
    return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad();
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    pos++;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') pos++;
  }
  int offset = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh, om;
    if (!Digits(zone, 1, 2, &oh) || !Digits(zone, 4, 2, &om)) return bad();
    offset = (oh * 60 + om) * 60 * (zone[0] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

namespace {
std::string FormatUtc(uint64_t seconds, const char* format) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, format, &tm);
  return buf;
}
}  // namespace

std::string FormatLogDate(uint64_t seconds) { return FormatUtc(seconds, "%Y-%m-%d %H:%M:%S +0000"); }
std::string FormatRfc3339(uint64_t seconds) { return FormatUtc(seconds, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace ocitree
