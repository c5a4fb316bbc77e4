#pragma once
// Byte-level helpers of the proxy suite: gRPC byte buffers, generic client calls to the proxy,
// and the hand-encoded messages of gRPC server reflection (v1alpha), which Debian's gRPC does not
// ship as generated code.
//
//   ClientCall call(channel, "/cloudstate.tck.model.action.ActionTckModel/ProcessStreamed");
//   call.Write(request.SerializeAsString());
//   auto reply = call.Read(std::chrono::seconds(3));      // next message, or nullopt
//   call.WritesDone();
//   auto status = call.Finish(std::chrono::seconds(3));   // final status, or nullopt

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace cloudstate::tck::proxy_suite {

std::string BufferToString(const grpc::ByteBuffer& buffer);
grpc::ByteBuffer StringToBuffer(const std::string& bytes);

std::shared_ptr<grpc::Channel> MakeProxyChannel(const std::string& address);

// One call to the proxy, any shape (unary and streaming calls look the same on the wire).
// Blocking helpers with timeouts; the destructor cancels a call that is still open.
class ClientCall {
 public:
  ClientCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
             std::chrono::milliseconds deadline = std::chrono::seconds(60),
             const std::vector<std::pair<std::string, std::string>>& metadata = {});
  ~ClientCall();
  ClientCall(const ClientCall&) = delete;
  ClientCall& operator=(const ClientCall&) = delete;

  // Sends a message; false when the call already ended or the write did not complete in time.
  bool Write(const std::string& bytes,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void WritesDone();
  // The next message, or nullopt when the call ended (see ended()) or nothing came in time.
  std::optional<std::string> Read(std::chrono::milliseconds timeout);
  // Waits for the final status (after every message was read or dropped).
  std::optional<grpc::Status> Finish(std::chrono::milliseconds timeout);
  // Whether the call ended and every received message was read.
  bool ended();
  void Cancel();

 private:
  class Reactor;
  std::unique_ptr<Reactor> reactor_;
};

// Result of a unary call: the status and, when OK, the serialized response.
struct UnaryResult {
  grpc::Status status;
  std::string response;
};
UnaryResult CallUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::string& request, std::chrono::milliseconds timeout);

// ---- gRPC server reflection v1alpha (grpc.reflection.v1alpha.ServerReflection) ----
inline constexpr const char* kReflectionMethod =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
inline constexpr const char* kReflectionService = "grpc.reflection.v1alpha.ServerReflection";

struct ReflectionRequest {
  std::string host{};                                   // field 1
  std::optional<std::string> list_services{};           // field 7
  std::optional<std::string> file_containing_symbol{};  // field 4
};
std::string EncodeReflectionRequest(const ReflectionRequest& request);

struct ReflectionResponse {
  std::string valid_host;                                    // field 1
  std::optional<ReflectionRequest> original;                 // field 2
  std::optional<std::vector<std::string>> services;          // list_services_response (6)
  std::optional<std::vector<std::string>> file_descriptors;  // file_descriptor_response (4)
  std::optional<std::pair<int, std::string>> error;          // error_response (7)
};
// nullopt when the bytes are not a well-formed ServerReflectionResponse.
std::optional<ReflectionResponse> DecodeReflectionResponse(const std::string& bytes);

}  // namespace cloudstate::tck::proxy_suite
