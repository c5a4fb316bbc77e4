#pragma once
// A fault-injecting TCP relay, in the manner of Toxiproxy and netem: it listens on loopback,
// connects every accepted connection to one upstream address, and copies bytes both ways while
// applying the faults set for each direction. The model checker's nemeses put it between two
// parties (clients and a proxy, a proxy and its user function) to add latency with jitter, limit
// bandwidth, hold one direction (a one-way partition), swallow bytes (a black hole), reset every
// connection, or refuse new ones.
//
//   auto relay = FaultRelay::Start({.upstream = "127.0.0.1:8080", .seed = 7});
//   // point the client at 127.0.0.1:(*relay)->port()
//   (*relay)->Set(Direction::kToUpstream, {.hold = true});  // requests stop arriving
//   (*relay)->Heal();                                       // and flow again, in order
//
// TCP is a byte stream, so the relay never drops bytes from the middle of a connection that goes
// on (that would corrupt the stream, which no network does): a black hole swallows everything
// while it lasts, and "drop" is a reset of the whole connection.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "absl/status/statusor.h"

namespace cloudstate::model_checker {

enum class Direction { kToUpstream, kToClient };

// What happens to the bytes flowing in one direction.
struct LinkFaults {
  std::chrono::microseconds latency{0};  // added to every chunk
  std::chrono::microseconds jitter{0};   // plus uniform [0, jitter]; byte order is kept
  int64_t bytes_per_second = 0;          // bandwidth limit; 0 = unlimited
  bool hold = false;        // one-way partition: bytes wait in the relay (then in the sender's
                            // socket buffers) until released, as behind a silent network
  bool black_hole = false;  // bytes are read and thrown away; the connection looks alive (bytes
                            // after it follow a gap, so a nemesis ends a black hole with a reset,
                            // as TCP would after its retransmissions time out)

  bool Any() const;
  std::string Describe() const;  // "latency 5ms±2ms, hold", "none"
};

// Sans-IO pacing of one direction: the earliest time a chunk read at `now` may be written.
// Delivery times never go backwards, so jitter reorders nothing.
class LinkPacer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LinkPacer(uint64_t seed) : rng_(seed) {}

  Clock::time_point Schedule(const LinkFaults& faults, Clock::time_point now, size_t bytes);

 private:
  std::mt19937_64 rng_;
  Clock::time_point last_delivery_{};
  Clock::time_point link_free_{};  // when the bandwidth-limited link has sent what it holds
};

struct RelayStats {
  int64_t accepted = 0;           // connections accepted
  int64_t active = 0;             // connections open now
  int64_t refused = 0;            // connections reset on arrival while refusing
  int64_t resets = 0;             // connections reset by ResetConnections
  int64_t upstream_failures = 0;  // upstream connects that failed (the client is reset)
  int64_t bytes_to_upstream = 0;  // delivered
  int64_t bytes_to_client = 0;    // delivered
  int64_t bytes_swallowed = 0;    // read while a black hole was set
  int64_t bytes_waiting = 0;      // read, not yet delivered (held or paced)
};

struct RelayOptions {
  std::string upstream{};  // host:port
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;                 // 0: a free port
  uint64_t seed = 1;                   // jitter
  size_t max_waiting_bytes = 1 << 20;  // per direction and connection; then the relay stops
                                       // reading, so a held sender sees back-pressure
};

class FaultRelay {
 public:
  static absl::StatusOr<std::unique_ptr<FaultRelay>> Start(const RelayOptions& options);
  virtual ~FaultRelay() = default;  // closes every connection and stops

  virtual int port() const = 0;
  virtual std::string address() const = 0;  // listen host:port

  // New connections go to `upstream` (host:port) from now on; open ones stay where they are.
  virtual absl::Status SetUpstream(const std::string& upstream) = 0;

  // Applies to every connection, open or future.
  virtual void Set(Direction direction, const LinkFaults& faults) = 0;
  virtual LinkFaults Get(Direction direction) const = 0;
  // Both directions back to none; held bytes flow on, in order.
  virtual void Heal() = 0;
  // Resets (RST) every open connection on both sides.
  virtual void ResetConnections() = 0;
  // While set, new connections are reset as soon as they are accepted.
  virtual void RefuseNewConnections(bool refuse) = 0;

  virtual RelayStats Stats() const = 0;
  // Waits until `done(stats)` holds after some change, or `timeout` passes; for tests and
  // nemeses that wait on events, never on time.
  virtual bool WaitFor(const std::function<bool(const RelayStats&)>& done,
                       std::chrono::milliseconds timeout) const = 0;
};

}  // namespace cloudstate::model_checker
