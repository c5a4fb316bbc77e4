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

#include "cloudstate/proxy_core/service_model.h"
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

  std::unique_ptr<GrpcReplyStream> Open(const GrpcCall& call) override;

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

  friend class ChannelReplyStream;
};

// One streaming call on its own completion queue, registered for CancelAll while it lives.
class ChannelReplyStream final : public GrpcReplyStream {
 public:
  explicit ChannelReplyStream(ChannelCaller* caller) : caller_(caller) {}
  ~ChannelReplyStream() override {
    if (stream_ != nullptr && !finished_) {
      context_.TryCancel();
      grpc::Status ignored;
      stream_->Finish(&ignored, Tag(4));
      Await();
    }
    cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
    }
    std::lock_guard lock(caller_->mu_);
    caller_->active_.erase(&context_);
  }

  // False when the caller was cancelled (shutdown) before the call began.
  bool Start(const GrpcCall& call, absl::Duration timeout) {
    if (timeout > absl::ZeroDuration()) {
      context_.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
    }
    for (const auto& [key, value] : call.metadata) {
      context_.AddMetadata(key, value);
    }
    {
      std::lock_guard lock(caller_->mu_);
      if (caller_->cancelled_) {
        return false;
      }
      caller_->active_.insert(&context_);
    }
    stream_ = caller_->stub_.PrepareCall(&context_, call.method, &cq_);
    stream_->StartCall(Tag(1));
    bool ok = Await();
    if (ok) {
      grpc::Slice slice(call.request);
      grpc::ByteBuffer request(&slice, 1);
      stream_->WriteLast(request, grpc::WriteOptions(), Tag(2));
      Await();
    }
    return true;
  }

  bool Next(std::string* reply) override {
    if (done_reading_) {
      return false;
    }
    grpc::ByteBuffer buffer;
    stream_->Read(&buffer, Tag(3));
    if (!Await()) {
      done_reading_ = true;
      return false;
    }
    *reply = ToString(buffer);
    return true;
  }

  grpc::Status Finish() override {
    grpc::Status status;
    stream_->Finish(&status, Tag(4));
    Await();
    finished_ = true;
    return status;
  }

  std::vector<std::pair<std::string, std::string>> Headers() override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, value] : context_.GetServerInitialMetadata()) {
      const absl::string_view k(key.data(), key.size());
      if (ForwardableKey(k)) {
        out.emplace_back(std::string(k), std::string(value.data(), value.size()));
      }
    }
    return out;
  }

 private:
  static void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }
  bool Await() {
    void* tag = nullptr;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }

  ChannelCaller* caller_;
  grpc::ClientContext context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream_;
  bool done_reading_ = false;
  bool finished_ = false;
};

std::unique_ptr<GrpcReplyStream> ChannelCaller::Open(const GrpcCall& call) {
  auto stream = std::make_unique<ChannelReplyStream>(this);
  if (!stream->Start(call, timeout_)) {
    return nullptr;
  }
  return stream;
}

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
  if (call.server_streaming) {
    if (std::unique_ptr<GrpcReplyStream> stream = caller_->Open(call)) {
      return StreamReplies(*binding, std::move(stream),
                           StreamFormatFor(request) == StreamFormat::kServerSentEvents);
    }
  }
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

HttpResponse Transcoder::StreamReplies(const Binding& binding,
                                       std::unique_ptr<GrpcReplyStream> stream,
                                       bool server_sent_events) const {
  const StreamFormat format =
      server_sent_events ? StreamFormat::kServerSentEvents : StreamFormat::kNewlineDelimitedJson;
  const pb::Message* prototype = factory_.GetPrototype(binding.method->output_type());
  auto render =
      [this, &binding,
       prototype](const std::string& bytes) -> absl::StatusOr<std::pair<std::string, std::string>> {
    std::unique_ptr<pb::Message> reply(prototype->New());
    if (!reply->ParseFromString(bytes)) {
      return absl::InternalError(absl::StrCat("reply of ", binding.method->full_name(),
                                              " is not a valid ",
                                              binding.method->output_type()->full_name()));
    }
    return RenderReply(binding, *reply, json_);
  };
  std::string bytes;
  if (!stream->Next(&bytes)) {
    // The call ended before its first reply: answered as a whole, status and all.
    absl::StatusOr<HttpResponse> whole = RenderStream(binding, {}, stream->Finish(), format, json_);
    return whole.ok() ? std::move(*whole)
                      : TextResponse(500, std::string(whole.status().message()));
  }
  absl::StatusOr<std::pair<std::string, std::string>> first = render(bytes);
  if (!first.ok()) {
    return TextResponse(
        500, absl::StrCat("cannot render the reply of ", binding.method->full_name(), ": ",
                          first.status().message()));
  }
  // The first reply decides the head; later ones follow as they arrive.
  const bool raw = first->first != kJsonContentType;  // google.api.HttpBody data
  HttpResponse response;
  response.status = 200;
  response.content_type =
      raw ? first->first : (server_sent_events ? kEventStreamContentType : kJsonContentType);
  response.headers = stream->Headers();
  auto piece = [raw, format](const std::string& text) {
    return raw ? text : StreamElement(text, format);
  };
  std::shared_ptr<GrpcReplyStream> call(std::move(stream));
  response.stream = [call, render, piece, raw, format,
                     first_piece = piece(first->second)](const ChunkWriter& write) {
    if (!write(first_piece)) {
      return;  // the client is gone; destroying the call cancels it
    }
    std::string next;
    while (call->Next(&next)) {
      absl::StatusOr<std::pair<std::string, std::string>> rendered = render(next);
      if (!rendered.ok() || !write(piece(rendered->second))) {
        return;
      }
    }
    const grpc::Status end = call->Finish();
    if (!end.ok() && !raw) {
      write(StreamErrorTrailer(end, format));
    }
  };
  return response;
}

}  // namespace cloudstate::proxy::http
