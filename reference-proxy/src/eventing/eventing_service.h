#pragma once
// The IO shell of eventing: runs one EventLogConsumer per event-log consumer (reads and offset
// saves on the store pool, deliveries through the proxy's dispatch, retries on timers), one
// subscription per topic consumer, and publishes replies of methods with an `out` topic.
//
// The proxy calls it at four points: Create+Start after discovery, OnJournalAppend after a
// journal write, PublishReply before a reply leaves a method with an out topic, Stop at shutdown.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "google/protobuf/any.pb.h"

#include "cloudstate/entity.pb.h"

#include "cloudstate/proxy/store.h"
#include "cloudstate/proxy_core/executor.h"
#include "cloudstate/proxy_core/service_model.h"
#include "eventing/event_log_consumer.h"
#include "eventing/eventing_config.h"
#include "eventing/topic_broker.h"

namespace cloudstate::proxy::eventing {

class EventingService {
 public:
  // Runs a command on `route` with exactly this payload and metadata, executing forwards and side
  // effects like for a client call; `done` gets OK once the command and everything it forwarded
  // to completed, else the failure.
  using DispatchFn =
      std::function<void(const Route& route, google::protobuf::Any payload,
                         cloudstate::Metadata metadata, std::function<void(absl::Status)> done)>;
  using ErrorFn = std::function<void(const std::string&)>;

  struct Options {
    EventLogConsumer::Options event_log;
    // Null: the embedded in-process broker.
    std::unique_ptr<TopicBroker> broker;
  };

  // InvalidArgument for eventing options the proxy cannot serve (see BuildEventingConfig).
  static absl::StatusOr<std::unique_ptr<EventingService>> Create(
      const ServiceModel& model, Store& store, boost::asio::io_context& io, Executor& store_pool,
      const DispatchFn& dispatch, const ErrorFn& report_error, Options options);
  // Call Stop() first (the proxy does, at shutdown, before it joins the store pool).
  ~EventingService() = default;

  // Starts every consumer (event logs load their offsets, topics subscribe).
  absl::Status Start();
  // Events were appended to the journal of this persistence id.
  void OnJournalAppend(std::string_view persistence_id);
  // True if replies of this route are published to a topic.
  bool HasOutTopic(const Route& route) const;
  // Publishes one reply payload of `route` to its out topic (no-op without one).
  absl::Status PublishReply(const Route& route, const google::protobuf::Any& payload,
                            const cloudstate::Metadata& incoming);
  // Stops every consumer and asks the store to save their offsets (on the store pool: the caller
  // joins that pool before closing the store). Safe to call more than once.
  void Stop();

  const EventingConfig& config() const { return config_; }
  TopicBroker& broker() { return *broker_; }

  class LogRunner;
  class TopicRunner;

 private:
  EventingService() = default;

  EventingConfig config_;
  std::unique_ptr<TopicBroker> broker_;
  std::vector<std::shared_ptr<LogRunner>> logs_;
  std::vector<std::shared_ptr<TopicRunner>> topics_;
  std::mutex mu_;
  bool stopped_ = false;
};

}  // namespace cloudstate::proxy::eventing
