#pragma once
// HTTP request -> gRPC request message for a matched binding. Sans-IO.
//
// Order of application (later wins): query parameters (not for body "*"), then the JSON body
// (the whole message for "*", one field for a field name), then path variables.
// Errors are InvalidArgument with a reason suitable as a 400 body.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

#include "http/http_rule.h"
#include "http/json_codec.h"
#include "http/path_template.h"
#include "http_server.h"

namespace cloudstate::proxy::http {

// Fills `message` (of the binding's input type) from the request.
absl::Status TranscodeRequest(const Binding& binding, const PathTemplate::Bindings& path_values,
                              const HttpRequest& request, const JsonCodec& json,
                              google::protobuf::Message* message);

// Sets the field at the end of `fields` (intermediate messages are created) from its text form:
// strings as is, bytes as base64 (standard or URL-safe, padding optional), bool as true/false
// (any case), numbers in decimal, enums by name or number. Repeated leaves get the value appended.
absl::Status SetFieldFromText(google::protobuf::Message* message,
                              const std::vector<const google::protobuf::FieldDescriptor*>& fields,
                              absl::string_view text);

// Applies a query string ("a.b=1&r=x&r=y"). Names are proto field names or JSON names, dotted for
// nested fields; repeated scalar fields may repeat. Unknown names and message-typed targets are
// errors.
absl::Status ApplyQuery(absl::string_view query, google::protobuf::Message* message);

// The value of a request header (names are lower case), empty when absent.
absl::string_view HeaderValue(const HttpRequest& request, absl::string_view lower_name);

// True for "application/json" with optional parameters ("; charset=utf-8").
bool IsJsonContentType(absl::string_view content_type);

}  // namespace cloudstate::proxy::http
