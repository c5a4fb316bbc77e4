#pragma once
// The echo baseline in its own process, so it does not share the kit's CPU with the load
// generator: `cloudstate-tck bench --echo-server` serves, prints its address, and exits when its
// stdin closes (so it never outlives the kit).

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace cloudstate::tck::bench {

// The child side: serve until stdin reaches end of file. Returns the exit code.
int ServeEchoUntilStdinCloses();

class EchoChild {
 public:
  // Spawns `executable bench --echo-server` and waits (up to `timeout_seconds`) for its address.
  static absl::StatusOr<std::unique_ptr<EchoChild>> Start(const std::string& executable,
                                                          double timeout_seconds);
  ~EchoChild();  // closes its stdin and reaps it (SIGKILL if it lingers)
  const std::string& address() const { return address_; }
  int pid() const { return pid_; }

 private:
  EchoChild() = default;
  int pid_ = -1;
  int stdin_fd_ = -1;
  std::string address_;
};

}  // namespace cloudstate::tck::bench
