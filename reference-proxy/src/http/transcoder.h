#pragma once
// HTTP/JSON transcoding for the proxy's services. Built once after discovery; each HTTP request is
// matched to a binding, turned into the method's binary request, sent through gRPC (normally a
// channel to the proxy's own client-facing server, so HTTP and gRPC share one code path) and the
// reply rendered back. See src/http/README.md for the behaviour and the status table.
//
//   auto transcoder = http::Transcoder::Create(*model, server->InProcessChannel({}));
//   http_server.SetFallback(
//       [t = transcoder->get()](const HttpRequest& r) { return t->Handle(r); });
//
// Handle() is thread-safe and blocks for the duration of the gRPC call (bounded by call_timeout).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

#include "http/http_rule.h"
#include "http/json_codec.h"
#include "http_server.h"

namespace cloudstate::proxy {
class ServiceModel;
}

namespace cloudstate::proxy::http {

struct GrpcCall {
  std::string method;   // "/pkg.Service/Method"
  std::string request;  // serialized request message
  bool server_streaming = false;
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct GrpcCallResult {
  grpc::Status status;
  std::vector<std::string> replies;                          // serialized reply messages
  std::vector<std::pair<std::string, std::string>> headers;  // server initial metadata
};

// A server-streaming call read reply by reply (HTTP streaming sends each as it arrives).
class GrpcReplyStream {
 public:
  virtual ~GrpcReplyStream() = default;
  // The next serialized reply; false at the end of the stream.
  virtual bool Next(std::string* reply) = 0;
  // After Next() returned false: the call's status.
  virtual grpc::Status Finish() = 0;
  // Server initial metadata that may become response headers (valid once a reply was read).
  virtual std::vector<std::pair<std::string, std::string>> Headers() = 0;
};

// Makes one gRPC call with a binary request; one code path for unary and server-streaming calls.
class GrpcCaller {
 public:
  virtual ~GrpcCaller() = default;
  virtual GrpcCallResult Call(const GrpcCall& call) = 0;
  // Starts a server-streaming call to be read incrementally; nullptr = not supported (the
  // transcoder then uses Call and sends the replies once the call has ended).
  virtual std::unique_ptr<GrpcReplyStream> Open(const GrpcCall& call) { return nullptr; }
  // Cancels the calls in flight and fails later ones at once (proxy shutdown).
  virtual void CancelAll() {}
};

// A caller over `channel` using grpc::GenericStub. `timeout` bounds each call (0 = none).
std::unique_ptr<GrpcCaller> NewChannelCaller(std::shared_ptr<grpc::ChannelInterface> channel,
                                             absl::Duration timeout);

// HTTP request headers that are forwarded as gRPC metadata: valid metadata keys, printable values,
// minus HTTP/1.1 connection headers, content negotiation and reserved gRPC names.
std::vector<std::pair<std::string, std::string>> ForwardedHeaders(const HttpRequest& request);

class Transcoder {
 public:
  struct Options {
    absl::Duration call_timeout = absl::Minutes(1);
  };

  // `pool` must outlive the transcoder. Errors are InvalidArgument naming the method whose
  // google.api.http rule is invalid (meant for reportError).
  static absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const google::protobuf::DescriptorPool& pool, const std::vector<std::string>& service_names,
      std::shared_ptr<GrpcCaller> caller);
  // The services of a discovered model, called through `channel`.
  static absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const ServiceModel& model, std::shared_ptr<grpc::ChannelInterface> channel, Options options);
  static absl::StatusOr<std::unique_ptr<Transcoder>> Create(
      const ServiceModel& model, std::shared_ptr<grpc::ChannelInterface> channel) {
    return Create(model, std::move(channel), Options());
  }

  // Server-streaming calls whose caller supports Open() answer with HttpResponse::stream set:
  // each reply is sent as it arrives. The caller keeps the transcoder alive until the stream
  // callable has been destroyed.
  HttpResponse Handle(const HttpRequest& request) const;
  // Cancels the calls in flight and fails new ones at once: called before the gRPC server
  // they go through shuts down.
  void CancelAll() const { caller_->CancelAll(); }

  const std::vector<Binding>& bindings() const { return bindings_; }

 private:
  Transcoder(const google::protobuf::DescriptorPool& pool, std::vector<Binding> bindings,
             std::shared_ptr<GrpcCaller> caller);
  HttpResponse StreamReplies(const Binding& binding, std::unique_ptr<GrpcReplyStream> stream,
                             bool server_sent_events) const;

  const google::protobuf::DescriptorPool& pool_;
  std::vector<Binding> bindings_;
  std::shared_ptr<GrpcCaller> caller_;
  JsonCodec json_;
  mutable google::protobuf::DynamicMessageFactory factory_;
};

}  // namespace cloudstate::proxy::http
