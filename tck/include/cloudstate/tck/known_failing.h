#pragma once
// The known-failing list: cases expected to fail for a given function under test.
//
//   # comments and blank lines are ignored
//   eventsourced.large_payload_1mib          # PROT-009: server caps messages at 512 KiB
//   action.unknown_command_name
//
// One case name per line; anything after '#' is the reason.

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cloudstate::tck {

// Case name -> reason ("" when none). Errors name the offending line.
absl::StatusOr<std::map<std::string, std::string>> ParseKnownFailing(std::string_view text);
absl::StatusOr<std::map<std::string, std::string>> LoadKnownFailing(const std::string& path);

}  // namespace cloudstate::tck
