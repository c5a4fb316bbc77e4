// The proxy's HTTP side: /alive /ready /metrics, the gate every HTTP/JSON call passes while it
// runs, and the hand-over of HTTP/2 connections from the front door to the gRPC server.

#include <unistd.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "grpcpp/server_posix.h"

#include "shell/proxy_impl.h"

namespace cloudstate::proxy {

void ProxyImpl::AddHealthHandlers(HttpServer& server) {
  server.Handle("/alive", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "OK"}; });
  server.Handle("/ready", [this](const HttpRequest&) {
    if (!ready_) {
      return HttpResponse{
          503, "text/plain",
          shutting_down_ ? "not ready: shutting down" : "not ready: discovery pending"};
    }
    absl::Status s = store_->CheckReady();
    if (!s.ok()) {
      return HttpResponse{503, "text/plain", "store not ready: " + std::string(s.message())};
    }
    if (!FunctionReachable()) {
      return HttpResponse{503, "text/plain", "user function unreachable"};
    }
    return HttpResponse{200, "text/plain", "OK"};
  });
  server.Handle("/metrics", [this](const HttpRequest&) {
    metrics_.SetGauge("active_entities", {{"entity_type", "event-sourced"}},
                      static_cast<double>(es_.size()));
    metrics_.SetGauge("active_entities", {{"entity_type", "value-entity"}},
                      static_cast<double>(ve_.size()));
    metrics_.SetGauge("active_entities", {{"entity_type", "crdt"}},
                      static_cast<double>(crdt_.size()));
    metrics_.SetGauge("ready", {}, ready_ ? 1 : 0);
    return HttpResponse{200, "text/plain; version=0.0.4", metrics_.Render()};
  });
}

HttpResponse ProxyImpl::TranscodeHttp(const HttpRequest& request) {
  std::shared_ptr<const http::Transcoder> transcoder;
  {
    std::lock_guard lock(transcoder_mu_);
    if (!http_gate_open_ || transcoder_ == nullptr) {
      return HttpResponse{503, "text/plain", "Service Unavailable"};
    }
    transcoder = transcoder_;
    ++http_calls_;
  }
  HttpResponse response = transcoder->Handle(request);
  if (!response.stream) {
    LeaveHttpGate();
    return response;
  }
  // A streamed reply goes on after Handle returned: the call stays inside the gate, with its
  // transcoder, until the stream callable is gone (run to the end or dropped), in that order.
  struct StreamedCall {
    ProxyImpl* proxy = nullptr;
    std::shared_ptr<const http::Transcoder> transcoder;
    std::function<void(const ChunkWriter&)> produce;
    ~StreamedCall() {
      produce = nullptr;  // ends (cancels) the gRPC call
      transcoder.reset();
      proxy->LeaveHttpGate();
    }
  };
  auto streamed = std::make_shared<StreamedCall>();  // built in place: its destructor counts
  streamed->proxy = this;
  streamed->transcoder = std::move(transcoder);
  streamed->produce = std::move(response.stream);
  response.stream = [streamed](const ChunkWriter& write) { streamed->produce(write); };
  return response;
}

void ProxyImpl::LeaveHttpGate() {
  std::lock_guard lock(transcoder_mu_);
  if (--http_calls_ == 0) {
    transcoder_cv_.notify_all();
  }
}

void ProxyImpl::HandOverToGrpc(int fd) {
  std::lock_guard lock(handoff_mu_);
  if (!grpc_accepting_) {
    close(fd);
    return;
  }
  grpc::AddInsecureChannelFromFd(server_.get(), fd);
}
}  // namespace cloudstate::proxy
