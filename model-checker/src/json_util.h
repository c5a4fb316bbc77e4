#pragma once
// Parsing untrusted JSON without exceptions and with bounded nesting: nlohmann's parser is
// iterative, but copying, printing and comparing a value recurse, so a deeply nested value
// would overflow the stack later.

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace cloudstate::model_checker {

inline constexpr int kMaxJsonDepth = 256;

inline absl::StatusOr<nlohmann::json> ParseJsonLimited(std::string_view text,
                                                       absl::string_view what) {
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit = [&too_deep](int depth, nlohmann::json::parse_event_t,
                                                        nlohmann::json&) {
    if (depth > kMaxJsonDepth) {
      too_deep = true;
      return false;  // discard the value: nothing this deep is kept
    }
    return true;
  };
  nlohmann::json root =
      nlohmann::json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not valid JSON"));
  }
  if (too_deep) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " nests values deeper than ", kMaxJsonDepth, " levels"));
  }
  return root;
}

}  // namespace cloudstate::model_checker
