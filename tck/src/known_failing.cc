#include "cloudstate/tck/known_failing.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cloudstate::tck {

absl::StatusOr<std::map<std::string, std::string>> ParseKnownFailing(std::string_view text) {
  std::map<std::string, std::string> out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    absl::string_view reason;
    if (auto hash = line.find('#'); hash != absl::string_view::npos) {
      reason = absl::StripAsciiWhitespace(line.substr(hash + 1));
      line = line.substr(0, hash);
    }
    absl::string_view name = absl::StripAsciiWhitespace(line);
    if (name.empty()) {
      continue;
    }
    for (char c : name) {
      bool ok =
          absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      if (!ok) {
        return absl::InvalidArgumentError(
            absl::StrCat("known-failing line ", line_number, ": \"", name,
                         "\" is not a case name (one name per line, reasons after '#')"));
      }
    }
    if (name.find('.') == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("known-failing line ", line_number, ": \"",
                                                     name, "\" is not of the form <area>.<case>"));
    }
    if (!out.emplace(std::string(name), std::string(reason)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("known-failing line ", line_number, ": ", name, " is listed twice"));
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> LoadKnownFailing(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read known-failing file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseKnownFailing(buffer.str());
}

}  // namespace cloudstate::tck
