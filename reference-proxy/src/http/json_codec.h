#pragma once
// Protobuf JSON for the messages of one descriptor pool, with the settings HTTP transcoding uses:
// parsing rejects unknown fields; printing is compact, uses lowerCamel JSON names, prints fields
// with default values (scalars, repeated as [], maps as {}; unset message fields stay absent),
// enums as names and 64-bit integers as strings — the output the original TCK compares.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"

namespace cloudstate::proxy::http {

class JsonCodec {
 public:
  // `pool` must outlive the codec.
  explicit JsonCodec(const google::protobuf::DescriptorPool& pool);
  ~JsonCodec();

  // Parses `json` and merges it into `message`. InvalidArgument with the parser's reason.
  absl::Status MergeJson(absl::string_view json, google::protobuf::Message* message) const;
  absl::StatusOr<std::string> Print(const google::protobuf::Message& message) const;

 private:
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
};

// `text` as a JSON string literal (quotes included).
std::string JsonQuote(absl::string_view text);

// The raw JSON text of member `name` of the top-level object `json`, nullopt if absent or if
// `json` is not an object. Used to cut one field out of printer output without re-formatting it.
std::optional<std::string> JsonMember(absl::string_view json, absl::string_view name);

}  // namespace cloudstate::proxy::http
