#pragma once
// The entity streams to the user function, as the proxy's entity logic sees them. The shell's
// implementation speaks gRPC (src/shell/grpc_function_transport.h); a simulation delivers the
// messages itself.

#include <functional>
#include <memory>

#include "absl/status/status.h"

namespace cloudstate::proxy {

// One bidirectional stream of an entity incarnation. Calls after the stream ended do nothing.
template <class In, class Out>
class FunctionStream {
 public:
  virtual ~FunctionStream() = default;
  virtual void Write(In message) = 0;
  // Ends our side; the function ends its side when it is done.
  virtual void HalfClose() = 0;
  // Ends both sides at once.
  virtual void Cancel() = 0;
};

template <class In, class Out>
class FunctionTransport {
 public:
  using OnMessage = std::function<void(Out)>;
  using OnClosed = std::function<void(const absl::Status&)>;
  virtual ~FunctionTransport() = default;
  // Opens a stream. Its messages, then its end (exactly once), arrive through the callbacks, on
  // any thread.
  virtual std::shared_ptr<FunctionStream<In, Out>> Open(OnMessage on_message,
                                                        OnClosed on_closed) = 0;
};

}  // namespace cloudstate::proxy
