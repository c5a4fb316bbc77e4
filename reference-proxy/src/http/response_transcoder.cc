#include "http/response_transcoder.h"

#include "absl/strings/str_cat.h"

#include "http/request_transcoder.h"

namespace cloudstate::proxy::http {

namespace pb = google::protobuf;

namespace {

bool IsHttpBody(const pb::Descriptor& type) { return type.full_name() == kHttpBodyType; }

std::pair<std::string, std::string> HttpBodyParts(const pb::Message& body) {
  const pb::Descriptor& type = *body.GetDescriptor();
  const pb::Reflection& r = *body.GetReflection();
  std::string content_type;
  std::string data;
  if (const pb::FieldDescriptor* f = type.FindFieldByName("content_type"); f != nullptr) {
    content_type = r.GetString(body, f);
  }
  if (const pb::FieldDescriptor* f = type.FindFieldByName("data"); f != nullptr) {
    data = r.GetString(body, f);
  }
  if (content_type.empty()) {
    content_type = "application/octet-stream";
  }
  return {std::move(content_type), std::move(data)};
}

std::string ErrorJson(const grpc::Status& status) {
  return absl::StrCat("{\"error\":{\"code\":", static_cast<int>(status.error_code()),
                      ",\"message\":", JsonQuote(status.error_message()), "}}");
}

}  // namespace

int HttpStatusForGrpc(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNKNOWN:
      return 500;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::INTERNAL:
      return 500;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DATA_LOSS:
      return 500;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = kTextContentType;
  response.body = std::move(body);
  return response;
}

HttpResponse GrpcErrorResponse(const grpc::Status& status) {
  return TextResponse(HttpStatusForGrpc(status.error_code()), status.error_message());
}

absl::StatusOr<std::pair<std::string, std::string>> RenderReply(const Binding& binding,
                                                                const pb::Message& reply,
                                                                const JsonCodec& json) {
  const pb::FieldDescriptor* field = binding.response_field;
  if (field == nullptr) {
    if (IsHttpBody(*reply.GetDescriptor())) {
      return HttpBodyParts(reply);
    }
    absl::StatusOr<std::string> text = json.Print(reply);
    if (!text.ok()) {
      return text.status();
    }
    return std::make_pair(std::string(kJsonContentType), std::move(*text));
  }
  if (!field->is_repeated() && field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    const pb::Message& sub = reply.GetReflection()->GetMessage(reply, field);
    if (IsHttpBody(*sub.GetDescriptor())) {
      return HttpBodyParts(sub);
    }
    absl::StatusOr<std::string> text = json.Print(sub);
    if (!text.ok()) {
      return text.status();
    }
    return std::make_pair(std::string(kJsonContentType), std::move(*text));
  }
  // Scalars, repeated fields and maps: cut the member out of the printed message so that it keeps
  // exactly the printer's formatting.
  absl::StatusOr<std::string> text = json.Print(reply);
  if (!text.ok()) {
    return text.status();
  }
  std::optional<std::string> member = JsonMember(*text, field->json_name());
  return std::make_pair(std::string(kJsonContentType), member.value_or("null"));
}

absl::StatusOr<HttpResponse> RenderUnary(const Binding& binding, const pb::Message& reply,
                                         const JsonCodec& json) {
  absl::StatusOr<std::pair<std::string, std::string>> rendered = RenderReply(binding, reply, json);
  if (!rendered.ok()) {
    return rendered.status();
  }
  HttpResponse response;
  response.status = 200;
  response.content_type = std::move(rendered->first);
  response.body = std::move(rendered->second);
  return response;
}

StreamFormat StreamFormatFor(const HttpRequest& request) {
  return HeaderValue(request, "accept").find(kEventStreamContentType) != absl::string_view::npos
             ? StreamFormat::kServerSentEvents
             : StreamFormat::kNewlineDelimitedJson;
}

absl::StatusOr<HttpResponse> RenderStream(const Binding& binding,
                                          const std::vector<std::unique_ptr<pb::Message>>& replies,
                                          const grpc::Status& end, StreamFormat format,
                                          const JsonCodec& json) {
  if (!end.ok() && replies.empty()) {
    return GrpcErrorResponse(end);
  }
  HttpResponse response;
  response.status = 200;
  bool raw = false;
  for (size_t i = 0; i < replies.size(); ++i) {
    absl::StatusOr<std::pair<std::string, std::string>> rendered =
        RenderReply(binding, *replies[i], json);
    if (!rendered.ok()) {
      return rendered.status();
    }
    const bool is_json = rendered->first == kJsonContentType;
    if (i == 0) {
      raw = !is_json;
      if (raw) {
        response.content_type = rendered->first;
      }
    }
    if (raw) {
      // HttpBody streams are the concatenated data, whatever the Accept header says.
      response.body += rendered->second;
    } else {
      response.body += StreamElement(rendered->second, format);
    }
  }
  if (!raw) {
    response.content_type =
        format == StreamFormat::kServerSentEvents ? kEventStreamContentType : kJsonContentType;
  }
  if (replies.empty() && binding.method != nullptr && IsHttpBody(*binding.method->output_type()) &&
      binding.response_field == nullptr) {
    response.content_type = "application/octet-stream";
  }
  if (!end.ok() && !raw) {
    response.body += StreamErrorTrailer(end, format);
  }
  return response;
}

std::string StreamErrorTrailer(const grpc::Status& end, StreamFormat format) {
  return format == StreamFormat::kServerSentEvents
             ? absl::StrCat("event: error\ndata: ", ErrorJson(end), "\n\n")
             : absl::StrCat(ErrorJson(end), "\n");
}

std::string StreamElement(const std::string& json, StreamFormat format) {
  return format == StreamFormat::kServerSentEvents ? absl::StrCat("data: ", json, "\n\n")
                                                   : absl::StrCat(json, "\n");
}

}  // namespace cloudstate::proxy::http
