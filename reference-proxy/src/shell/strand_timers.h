#pragma once
// The real timers of an entity shell: Asio steady timers whose work runs on the entity's strand.

#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"

#include "cloudstate/proxy_core/timers.h"

namespace cloudstate::proxy {

class StrandTimers final : public Timers {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  explicit StrandTimers(Strand strand) : strand_(std::move(strand)) {}

  std::unique_ptr<Handle> After(std::chrono::milliseconds delay,
                                std::function<void()> fn) override {
    auto handle = std::make_unique<AsioHandle>(strand_);
    handle->timer.expires_after(delay);
    // A destroyed timer calls its handler with operation_aborted: cancelled work does not run.
    handle->timer.async_wait([fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) {
        fn();
      }
    });
    return handle;
  }

 private:
  struct AsioHandle final : Handle {
    explicit AsioHandle(const Strand& strand) : timer(strand) {}
    boost::asio::steady_timer timer;
  };
  Strand strand_;
};

}  // namespace cloudstate::proxy
