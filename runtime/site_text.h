// The text of a site, as the transformer writes it into barriers, atomic
// blocks, tasks and inevitability reasons, and as the conflict report and
// stmify-log read it back:
//
//   site:   path:line:column                 outside any function
//           path:line:column (in function)   the innermost non-lambda function
//   reason: what at site                     "call to 'printf' at a.cpp:3:5 (in main)"
//
// The path may hold colons and spaces; the function may hold colons,
// parentheses and spaces ("(anonymous namespace)::f", "Vec::operator()").
// Header-only: the runtime and stmify-log share it.
#ifndef STMIFY_RUNTIME_SITE_TEXT_H
#define STMIFY_RUNTIME_SITE_TEXT_H

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace stm::site_text {

struct site_parts {
  std::string file;
  long line = 0, column = 0;
  std::string function; // empty outside functions
};

inline std::optional<long> positive_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 9)
    return std::nullopt;
  long n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n <= 0)
    return std::nullopt;
  return n;
}

// "path:line:column" alone; nothing for text that is not a location.
inline std::optional<site_parts> parse_location(std::string_view site) {
  const std::size_t column_colon = site.rfind(':');
  if (column_colon == std::string_view::npos || column_colon == 0)
    return std::nullopt;
  const std::size_t line_colon = site.rfind(':', column_colon - 1);
  if (line_colon == std::string_view::npos || line_colon == 0)
    return std::nullopt;
  const auto line = positive_number(site.substr(line_colon + 1, column_colon - line_colon - 1));
  const auto column = positive_number(site.substr(column_colon + 1));
  if (!line || !column)
    return std::nullopt;
  site_parts parts;
  parts.file = std::string(site.substr(0, line_colon));
  parts.line = *line;
  parts.column = *column;
  return parts;
}

// A site's parts; nothing for text that is not a site (a site string passed
// to the C ABI by hand may be anything). The location ends at the first
// " (in " that follows a whole location, so a path may hold " (in " too; a
// site cut short in the log (its closing parenthesis lost) keeps the
// function's text as far as it goes.
inline std::optional<site_parts> parse_site(std::string_view site) {
  constexpr std::string_view in = " (in ";
  for (std::size_t at = site.find(in); at != std::string_view::npos; at = site.find(in, at + 1))
    if (auto parts = parse_location(site.substr(0, at))) {
      std::string_view function = site.substr(at + in.size());
      if (!function.empty() && function.back() == ')')
        function.remove_suffix(1);
      parts->function = std::string(function);
      return parts;
    }
  return parse_location(site);
}

// The site at the end of a reason ("call to 'printf' at a.cpp:3:5 (in
// main)"): the text after the first " at " outside quotes (the transformer
// quotes the names it puts in a reason) that a site follows.
inline std::string site_of_reason(std::string_view reason) {
  constexpr std::string_view at = " at ";
  for (std::size_t found = reason.find(at); found != std::string_view::npos;
       found = reason.find(at, found + 1)) {
    const std::string_view before = reason.substr(0, found);
    if (std::count(before.begin(), before.end(), '\'') % 2 != 0)
      continue;
    const std::string_view rest = reason.substr(found + at.size());
    if (parse_site(rest))
      return std::string(rest);
  }
  return "";
}

} // namespace stm::site_text

#endif
