#pragma once
// gRPC response -> HTTP response, and the gRPC status -> HTTP status table. Sans-IO.
//
// A unary reply becomes 200 + compact JSON (JsonCodec), or, for google.api.HttpBody, its raw data
// with its content type. `response_body` selects one field of the reply. Server-streaming replies
// become Server-Sent Events (`Accept: text/event-stream`) or newline-delimited JSON objects.
// Failures become the mapped HTTP status with the gRPC status message as the plain-text body; a
// function's Failure arrives as UNKNOWN and so becomes 500 + its description (what the TCK checks).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

#include "http/http_rule.h"
#include "http/json_codec.h"
#include "http_server.h"

namespace cloudstate::proxy::http {

inline constexpr char kJsonContentType[] = "application/json";
inline constexpr char kTextContentType[] = "text/plain; charset=utf-8";
inline constexpr char kEventStreamContentType[] = "text/event-stream";

// The HTTP status for a gRPC status code (see src/http/README.md for the table and its rules).
int HttpStatusForGrpc(grpc::StatusCode code);

// A plain-text error response.
HttpResponse TextResponse(int status, std::string body);
// The response for a failed gRPC call: mapped status, the status message as body.
HttpResponse GrpcErrorResponse(const grpc::Status& status);

// One reply rendered as (content type, body).
absl::StatusOr<std::pair<std::string, std::string>> RenderReply(
    const Binding& binding, const google::protobuf::Message& reply, const JsonCodec& json);

// A unary reply as a 200 response.
absl::StatusOr<HttpResponse> RenderUnary(const Binding& binding,
                                         const google::protobuf::Message& reply,
                                         const JsonCodec& json);

enum class StreamFormat { kNewlineDelimitedJson, kServerSentEvents };
// SSE when the Accept header asks for text/event-stream.
StreamFormat StreamFormatFor(const HttpRequest& request);

// The complete body of a server-streaming call. A stream that failed before its first reply is
// answered like a unary failure; one that failed later ends with an error record
// (SSE `event: error`, or an `{"error":{...}}` line) after the replies.
// The text that ends a JSON or SSE stream whose call failed after some replies.
std::string StreamErrorTrailer(const grpc::Status& end, StreamFormat format);
// One reply of a JSON or SSE stream (`json` = the rendered reply).
std::string StreamElement(const std::string& json, StreamFormat format);

absl::StatusOr<HttpResponse> RenderStream(
    const Binding& binding, const std::vector<std::unique_ptr<google::protobuf::Message>>& replies,
    const grpc::Status& end, StreamFormat format, const JsonCodec& json);

}  // namespace cloudstate::proxy::http
