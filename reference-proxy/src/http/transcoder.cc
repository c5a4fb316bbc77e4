#include "http/transcoder.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

#include "core/service_model.h"
#include "http/request_transcoder.h"
#include "http/response_transcoder.h"

namespace cloudstate::proxy::http {

namespace pb = google::protobuf;

namespace {

bool IsMetadataKey(absl::string_view key) {
  if (key.empty()) {
    return false;
  }
  for (char c : key) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool IsPrintable(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

const std::set<std::string, std::less<>>& DroppedHeaders() {
  static const auto* const kDropped = new std::set<std::string, std::less<>>{"accept-encoding",
                                                                             "connection",
                                                                             "content-encoding",
                                                                             "content-length",
                                                                             "content-type",
                                                                             "expect",
                                                                             "host",
                                                                             "keep-alive",
                                                                             "proxy-connection",
                                                                             "te",
                                                                             "trailer",
                                                                             "transfer-encoding",
                                                                             "upgrade",
                                                                             "user-agent"};
  return *kDropped;
}

bool ForwardableKey(absl::string_view key) {
  return IsMetadataKey(key) && !absl::StartsWith(key, "grpc-") && !absl::EndsWith(key, "-bin") &&
         DroppedHeaders().count(key) == 0;
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) {
    return out;
  }
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

class ChannelCaller final : public GrpcCaller {
 public:
  ChannelCaller(std::shared_ptr<grpc::ChannelInterface> channel, absl::Duration timeout)
      : stub_(std::move(channel)), timeout_(timeout) {}

  GrpcCallResult Call(const GrpcCall& call) override {
    GrpcCallResult result;
    grpc::ClientContext context;
    if (timeout_ > absl::ZeroDuration()) {
      context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    }
    for (const auto& [key, value] : call.metadata) {
      context.AddMetadata(key, value);
    }
    {
      std::lock_guard lock(mu_);
      if (cancelled_) {
        result.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "proxy shutting down");
        return result;
      }
      active_.insert(&context);
    }
    grpc::CompletionQueue cq;
    // The generic streaming call carries unary calls too: one request, half-close, read replies.
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream =
        stub_.PrepareCall(&context, call.method, &cq);
    bool ok = false;
    stream->StartCall(Tag(1));
    ok = Await(cq);
    if (ok) {
      grpc::Slice slice(call.request);
      grpc::ByteBuffer request(&slice, 1);
      stream->WriteLast(request, grpc::WriteOptions(), Tag(2));
      ok = Await(cq);
    }
    bool headers_read = false;
    while (true) {
      grpc::ByteBuffer reply;
      stream->Read(&reply, Tag(3));
      if (!Await(cq)) {
        break;
      }
      if (!headers_read) {
        CopyHeaders(context, &result);
        headers_read = true;
      }
      result.replies.push_back(ToString(reply));
    }
    stream->Finish(&result.status, Tag(4));
    Await(cq);
    if (!headers_read && result.status.ok()) {
      CopyHeaders(context, &result);
    }
    cq.Shutdown();
    void* tag = nullptr;
    while (cq.Next(&tag, &ok)) {
    }
    {
      std::lock_guard lock(mu_);
      active_.erase(&context);
    }
    return result;
  }

  void CancelAll() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    for (grpc::ClientContext* context : active_) {
      context->TryCancel();
    }
  }

 private:
  static void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }
  static bool Await(grpc::CompletionQueue& cq) {
    void* tag = nullptr;
    bool ok = false;
    if (!cq.Next(&tag, &ok)) {
      return false;
    }
    return ok;
  }
  static void CopyHeaders(const grpc::ClientContext& context, GrpcCallResult* result) {
    for (const auto& [key, value] : context.GetServerInitialMetadata()) {
      const absl::string_view k(key.data(), key.size());
      if (ForwardableKey(k)) {
        result->headers.emplace_back(std::string(k), std::string(value.data(), value.size()));
      }
    }
  }

  grpc::GenericStub stub_;
  absl::Duration timeout_;
  std::mutex mu_;
  std::set<grpc::ClientContext*> active_;  // calls in flight, for CancelAll
  bool cancelled_ = false;
};

}  // namespace

std::unique_ptr<GrpcCaller> NewChannelCaller(std::shared_ptr<grpc::ChannelInterface> channel,
                                             absl::Duration timeout) {
  return std::make_unique<ChannelCaller>(std::move(channel), timeout);
}

std::vector<std::pair<std::string, std::string>> ForwardedHeaders(const HttpRequest& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : request.headers) {
    if (ForwardableKey(key) && IsPrintable(value)) {
      out.emplace_back(key, value);
    }
  }
  return out;
}

Transcoder::Transcoder(const pb::DescriptorPool& pool, std::vector<Binding> bindings,
                       std::shared_ptr<GrpcCaller> caller)
    : pool_(pool),
      bindings_(std::move(bindings)),
      caller_(std::move(caller)),
      json_(pool),
      factory_(&pool) {}

absl::StatusOr<std::unique_ptr<Transcoder>> Transcoder::Create(
    const pb::DescriptorPool& pool, const std::vector<std::string>& service_names,
    std::shared_ptr<GrpcCaller> caller) {
  absl::StatusOr<std::vector<Binding>> bindings = BindingsForServices(pool, service_names);
  if (!bindings.ok()) {
    return bindings.status();
  }
  return std::unique_ptr<Transcoder>(new Transcoder(pool, std::move(*bindings), std::move(caller)));
}

absl::StatusOr<std::unique_ptr<Transcoder>> Transcoder::Create(
    const ServiceModel& model, std::shared_ptr<grpc::ChannelInterface> channel, Options options) {
  std::vector<std::string> services;
  for (const auto& entity : model.entities()) {
    if (std::find(services.begin(), services.end(), entity->service_name) == services.end()) {
      services.push_back(entity->service_name);
    }
  }
  return Create(
      model.pool(), services,
      std::shared_ptr<GrpcCaller>(NewChannelCaller(std::move(channel), options.call_timeout)));
}

HttpResponse Transcoder::Handle(const HttpRequest& request) const {
  const Binding* binding = nullptr;
  PathTemplate::Bindings path_values;
  std::set<std::string> allowed;
  // Later bindings win when several templates match the same path.
  for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
    std::optional<PathTemplate::Bindings> values = it->path.Match(request.path);
    if (!values.has_value()) {
      continue;
    }
    if (it->http_method == "*" || it->http_method == request.method) {
      binding = &*it;
      path_values = std::move(*values);
      break;
    }
    allowed.insert(it->http_method);
  }
  if (binding == nullptr) {
    if (allowed.empty()) {
      return TextResponse(404, "Not Found");
    }
    HttpResponse response = TextResponse(
        405, absl::StrCat("Method ", request.method, " is not allowed for ", request.path));
    response.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
    return response;
  }

  const pb::Message* input_prototype = factory_.GetPrototype(binding->method->input_type());
  std::unique_ptr<pb::Message> input(input_prototype->New());
  if (absl::Status s = TranscodeRequest(*binding, path_values, request, json_, input.get());
      !s.ok()) {
    return TextResponse(400, std::string(s.message()));
  }

  GrpcCall call;
  call.method = binding->grpc_path;
  call.request = input->SerializeAsString();
  call.server_streaming = binding->method->server_streaming();
  call.metadata = ForwardedHeaders(request);
  GrpcCallResult result = caller_->Call(call);

  const pb::Message* output_prototype = factory_.GetPrototype(binding->method->output_type());
  std::vector<std::unique_ptr<pb::Message>> replies;
  for (const std::string& bytes : result.replies) {
    std::unique_ptr<pb::Message> reply(output_prototype->New());
    if (!reply->ParseFromString(bytes)) {
      return TextResponse(
          500, absl::StrCat("reply of ", binding->method->full_name(), " is not a valid ",
                            binding->method->output_type()->full_name()));
    }
    replies.push_back(std::move(reply));
  }

  absl::StatusOr<HttpResponse> response;
  if (call.server_streaming) {
    response = RenderStream(*binding, replies, result.status, StreamFormatFor(request), json_);
  } else if (!result.status.ok()) {
    response = GrpcErrorResponse(result.status);
  } else if (replies.size() != 1) {
    response = TextResponse(500, absl::StrCat("unary call ", binding->grpc_path, " returned ",
                                              replies.size(), " replies"));
  } else {
    response = RenderUnary(*binding, *replies.front(), json_);
  }
  if (!response.ok()) {
    return TextResponse(
        500, absl::StrCat("cannot render the reply of ", binding->method->full_name(), ": ",
                          response.status().message()));
  }
  if (response->status == 200) {
    for (auto& header : result.headers) {
      response->headers.push_back(std::move(header));
    }
  }
  return std::move(*response);
}

}  // namespace cloudstate::proxy::http
