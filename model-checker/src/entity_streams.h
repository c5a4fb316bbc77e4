#pragma once
// What the sdk targets share while playing the proxy: one bidirectional stream per entity to the
// user function, opened on first use with the journalled state, and closed the way a proxy
// passivates (half-close, drain, finish). Only the init message and the commands differ per
// entity type, so each target keeps those and delegates the stream bookkeeping here.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

#if CS_MC_HAVE_RAPIDCHECK
#include "rapidcheck.h"
#endif

namespace cloudstate::model_checker {

#if CS_MC_HAVE_RAPIDCHECK

// Fails the current RapidCheck case with `message` when `condition` holds.
#define MC_FAIL_IF(condition, message) \
  do {                                 \
    if (condition) {                   \
      RC_FAIL(message);                \
    }                                  \
  } while (false)

// `Service` is a generated service class (its Stub has `handle`); `In`/`Out` its stream messages.
template <typename Service, typename In, typename Out>
class EntityStreams {
 public:
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<In, Out>> rpc;
    int64_t next_command_id = 1;
  };

  EntityStreams(const std::shared_ptr<grpc::Channel>& channel, std::string run_prefix,
                double timeout_seconds)
      : stub_(Service::NewStub(channel)),
        run_prefix_(std::move(run_prefix)),
        timeout_(std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000))) {}
  EntityStreams(const EntityStreams&) = delete;
  EntityStreams& operator=(const EntityStreams&) = delete;
  ~EntityStreams() {
    for (auto& [entity, stream] : streams_) {
      Close(*stream);
    }
  }

  // The entity id on the wire: unique per run so that runs against one function never meet.
  std::string WireId(const std::string& entity) const {
    return absl::StrCat(run_prefix_, "-", entity);
  }

  // The open stream of `entity`, or nullptr.
  Stream* Find(const std::string& entity) {
    auto it = streams_.find(entity);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  // Opens the stream of `entity` and writes `opening` (the init, then any replayed events).
  Stream& Open(const std::string& entity, const std::vector<In>& opening) {
    auto stream = std::make_unique<Stream>();
    stream->context.set_deadline(std::chrono::system_clock::now() + timeout_);
    stream->rpc = stub_->handle(&stream->context);
    for (const In& message : opening) {
      MC_FAIL_IF(!stream->rpc->Write(message), "the function ended the stream of " + entity +
                                                   " while it was opened: " + EndStatus(*stream));
    }
    return *(streams_[entity] = std::move(stream));
  }

  // Writes `in` and reads the one message that answers it.
  Out Exchange(const std::string& entity, Stream& stream, const In& in) {
    MC_FAIL_IF(!stream.rpc->Write(in), "the function ended the stream of " + entity +
                                           " before the command: " + EndStatus(stream));
    Out out;
    MC_FAIL_IF(!stream.rpc->Read(&out),
               "the function sent no reply on " + entity + ": " + EndStatus(stream));
    return out;
  }

  // Ends the entity's stream the way a proxy does on passivation.
  void Restart(const std::string& entity) {
    auto it = streams_.find(entity);
    if (it != streams_.end()) {
      Close(*it->second);
      streams_.erase(it);
    }
  }

 private:
  static std::string EndStatus(Stream& stream) {
    // Called once a write or read found the stream over, so Finish does not block.
    grpc::Status status = stream.rpc->Finish();
    stream.rpc.reset();
    return status.ok()
               ? std::string("stream ended")
               : absl::StrCat("gRPC status ", status.error_code(), " ", status.error_message());
  }

  static void Close(Stream& stream) {
    if (stream.rpc == nullptr) {
      return;
    }
    stream.rpc->WritesDone();
    Out extra;
    while (stream.rpc->Read(&extra)) {
      // A well-behaved function sends nothing more; extra messages are ignored here.
    }
    stream.rpc->Finish();
    stream.rpc.reset();
  }

  std::unique_ptr<typename Service::Stub> stub_;
  std::string run_prefix_;
  std::chrono::milliseconds timeout_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;
};

#endif  // CS_MC_HAVE_RAPIDCHECK

}  // namespace cloudstate::model_checker
