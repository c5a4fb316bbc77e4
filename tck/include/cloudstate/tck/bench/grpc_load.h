#pragma once
// The asynchronous gRPC side of `bench`: the kit's own echo server (the baseline), a unary
// client over the generic callback stub, and entity streams driven the way a proxy drives them.
// All of it works on serialized bytes (grpc::ByteBuffer), so one client serves every scenario.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/tck/bench/load.h"

namespace cloudstate::tck::bench {

// Answers every call on every method by echoing each request message back (unary and streams).
class EchoServer {
 public:
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start(const std::string& host = "127.0.0.1");
  ~EchoServer();
  int port() const { return port_; }
  std::string address() const;

 private:
  class Service;
  EchoServer() = default;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string host_;
  int port_ = 0;
};

// Which entity a request addresses.
struct KeyDistribution {
  enum class Kind { kHot, kUniform, kNew };
  Kind kind = Kind::kHot;
  int n = 100;         // kUniform: entities bench-0 .. bench-(n-1)
  std::string prefix;  // makes keys unique to a run (and a phase for kNew)
  std::string KeyFor(uint64_t seq) const;
  std::string Name() const;  // "hot", "uniform-100", "new"
};
absl::StatusOr<KeyDistribution> ParseDistribution(const std::string& text);

// `connections` channels to `address`, each on its own TCP connection.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address,
                                                         int connections);
// Waits until every channel is connected.
bool WaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                   double timeout_seconds);

// Unary calls of `method` ("/pkg.Service/Method") with bodies from `build(seq)`, round-robin over
// the channels. `check(response)` turns an OK reply into a code (nullptr: OK is OK).
class UnaryIssuer : public RequestIssuer {
 public:
  UnaryIssuer(const std::vector<std::shared_ptr<grpc::Channel>>& channels, std::string method,
              std::function<std::string(uint64_t seq)> build,
              std::function<int(const std::string& response)> check, double deadline_seconds);
  void Issue(uint64_t seq, std::function<void(int code)> done) override;

 private:
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::string method_;
  std::function<std::string(uint64_t)> build_;
  std::function<int(const std::string&)> check_;
  double deadline_seconds_;
  std::atomic<uint64_t> next_{0};
};

// How one entity type's stream is spoken (the kit in the proxy's seat).
struct StreamProtocol {
  std::string method;                                       // "/cloudstate.x.Service/handle"
  std::function<std::string(const std::string& key)> init;  // empty result: send no init
  std::function<std::string(const std::string& key, uint64_t seq, int64_t command_id)> command;
  // A reply message -> code (0 = a reply, else an error code counted by status).
  std::function<int(const std::string& reply)> classify;
};

// One stream per entity (opened on first use, kept for the phase), or a new stream per request
// for KeyDistribution::kNew. Commands on a stream are pipelined and answered in order.
class EntityStreamIssuer : public RequestIssuer {
 public:
  EntityStreamIssuer(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                     StreamProtocol protocol, KeyDistribution keys, double stream_deadline_seconds);
  ~EntityStreamIssuer() override;  // closes every stream and waits for them
  void Issue(uint64_t seq, std::function<void(int code)> done) override;
  // Half-closes every stream and waits until they have ended (cancelling after `grace_seconds`).
  void CloseAll(double grace_seconds);

  class Stream;

 private:
  Stream* StreamFor(const std::string& key, bool* fresh);
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  StreamProtocol protocol_;
  KeyDistribution keys_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;
  std::vector<std::unique_ptr<Stream>> one_shots_;
  double stream_deadline_seconds_;
  uint64_t opened_ = 0;
};

}  // namespace cloudstate::tck::bench
