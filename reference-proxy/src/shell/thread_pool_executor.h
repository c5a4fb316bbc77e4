#pragma once
// The real store executor: a fixed pool of threads (stores are synchronous).

#include <functional>
#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/thread_pool.hpp"

#include "cloudstate/proxy_core/executor.h"

namespace cloudstate::proxy {

class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(int threads) : pool_(static_cast<size_t>(threads)) {}
  void Post(std::function<void()> work) override { boost::asio::post(pool_, std::move(work)); }
  // Waits until the queued work has run; later posts are not run.
  void Join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace cloudstate::proxy
