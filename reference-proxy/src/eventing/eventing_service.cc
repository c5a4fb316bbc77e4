#include "eventing/eventing_service.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "boost/asio/bind_executor.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "spdlog/spdlog.h"

namespace cloudstate::proxy::eventing {

namespace asio = boost::asio;

namespace {

// How long Stop() waits for a consumer to save its offset.
constexpr auto kStopWait = std::chrono::seconds(10);

}  // namespace

// One event-log consumer: the sans-IO core on a strand, store calls on the store pool.
class EventingService::LogRunner : public std::enable_shared_from_this<LogRunner> {
 public:
  LogRunner(const EventConsumer* consumer, Store& store, asio::io_context& io, Executor& pool,
            DispatchFn dispatch, ErrorFn report_error, EventLogConsumer::Options options)
      : consumer_(consumer),
        store_(store),
        pool_(pool),
        strand_(asio::make_strand(io)),
        timer_(strand_),
        dispatch_(std::move(dispatch)),
        report_error_(std::move(report_error)),
        core_(options),
        key_(consumer->OffsetKey()) {}

  const EventConsumer& consumer() const { return *consumer_; }

  void Start() {
    asio::post(strand_, [self = shared_from_this()] { self->LoadOffset(); });
  }

  void Appended() {
    asio::post(strand_, [self = shared_from_this()] { self->Execute(self->core_.OnAppended()); });
  }

  // Stops the core and saves its offset; `done` is set once saved (or nothing to save).
  void Stop(const std::shared_ptr<std::promise<void>>& done) {
    asio::post(strand_, [self = shared_from_this(), done] {
      self->timer_.cancel();
      for (const ConsumerAction& action : self->core_.Stop()) {
        if (const auto* save = std::get_if<SaveOffset>(&action)) {
          // Synchronously: the proxy closes the store once Stop() returned.
          absl::Status status = self->store_.SaveEventingOffset(self->key_, save->offset);
          if (!status.ok()) {
            spdlog::warn("eventing: saving the offset of {} failed: {}",
                         self->consumer_->Describe(), status.ToString());
          }
        }
      }
      done->set_value();
    });
  }

 private:
  void LoadOffset() {
    pool_.Post([self = shared_from_this()] {
      absl::StatusOr<int64_t> offset = self->store_.LoadEventingOffset(self->key_);
      asio::post(self->strand_, [self, offset = std::move(offset)] {
        if (!offset.ok()) {
          spdlog::warn("eventing: loading the offset of {} failed: {}", self->consumer_->Describe(),
                       offset.status().ToString());
        } else {
          spdlog::info("eventing: {} starts after offset {}", self->consumer_->Describe(), *offset);
        }
        self->Execute(self->core_.OnOffsetLoaded(offset));
      });
    });
  }

  void Execute(std::vector<ConsumerAction> actions) {
    for (ConsumerAction& action : actions) {
      if (auto* read = std::get_if<ReadLog>(&action)) {
        pool_.Post([self = shared_from_this(), read = *read] {
          auto entries =
              self->store_.ReadEventLog(self->consumer_->source, read.after_offset, read.max_count);
          asio::post(self->strand_, [self, entries = std::move(entries)]() mutable {
            if (!entries.ok()) {
              spdlog::warn("eventing: reading the event log for {} failed: {}",
                           self->consumer_->Describe(), entries.status().ToString());
            }
            self->Execute(self->core_.OnRead(std::move(entries)));
          });
        });
      } else if (auto* deliver = std::get_if<DeliverEvent>(&action)) {
        Deliver(std::move(deliver->entry));
      } else if (auto* save = std::get_if<SaveOffset>(&action)) {
        pool_.Post([self = shared_from_this(), offset = save->offset] {
          absl::Status status = self->store_.SaveEventingOffset(self->key_, offset);
          if (!status.ok()) {
            spdlog::warn("eventing: saving the offset of {} failed: {}",
                         self->consumer_->Describe(), status.ToString());
          }
          asio::post(self->strand_, [self, offset, status] {
            self->Execute(self->core_.OnOffsetSaved(offset, status));
          });
        });
      } else if (auto* retry = std::get_if<RetryAfter>(&action)) {
        timer_.expires_after(absl::ToChronoMilliseconds(retry->delay));
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
          if (ec) {
            return;
          }
          self->Execute(self->core_.OnRetry());
          if (self->core_.needs_offset()) {
            self->LoadOffset();
          }
        });
      }
    }
  }

  void Deliver(EventLogEntry entry) {
    auto self = shared_from_this();
    const Route* route = SelectMethod(*consumer_, entry.payload.type_url);
    if (route == nullptr) {
      const std::string message =
          absl::StrCat("No method can be found to handle protobuf type of [",
                       entry.payload.type_url, "] on input ", consumer_->Describe(),
                       ". Either declare a method for this type, or declare a method that accepts "
                       "google.protobuf.Any.");
      spdlog::error("eventing: {}", message);
      report_error_(message);
      asio::post(strand_, [self, message] {
        self->Execute(self->core_.OnDelivered(absl::FailedPreconditionError(message)));
      });
      return;
    }
    google::protobuf::Any payload;
    payload.set_type_url(entry.payload.type_url);
    payload.set_value(std::move(entry.payload.value));
    cloudstate::Metadata metadata =
        EventLogMetadata(entry.offset, consumer_->source, entry.entity_id, entry.payload.type_url);
    const int64_t offset = entry.offset;
    dispatch_(*route, std::move(payload), std::move(metadata),
              [self, offset, route](const absl::Status& status) {
                if (!status.ok()) {
                  spdlog::warn("eventing: {} failed on event at offset {} (retried): {}",
                               route->path, offset, status.ToString());
                }
                asio::post(self->strand_,
                           [self, status] { self->Execute(self->core_.OnDelivered(status)); });
              });
  }

  const EventConsumer* consumer_;
  Store& store_;
  Executor& pool_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  DispatchFn dispatch_;
  ErrorFn report_error_;
  EventLogConsumer core_;
  std::string key_;
};

// One topic consumer: a broker subscription whose messages become commands.
class EventingService::TopicRunner : public std::enable_shared_from_this<TopicRunner> {
 public:
  TopicRunner(const EventConsumer* consumer, asio::io_context& io, DispatchFn dispatch,
              ErrorFn report_error, EventLogConsumer::Options options)
      : consumer_(consumer),
        io_(io),
        dispatch_(std::move(dispatch)),
        report_error_(std::move(report_error)),
        options_(options),
        backoff_(options.backoff_min) {}

  absl::Status Start(TopicBroker& broker) {
    std::weak_ptr<TopicRunner> weak = weak_from_this();
    auto subscription = broker.Subscribe(consumer_->source, consumer_->consumer_group,
                                         [weak](const TopicMessage& message, TopicAck ack) {
                                           if (auto self = weak.lock()) {
                                             self->Handle(message, std::move(ack));
                                           }
                                         });
    if (!subscription.ok()) {
      return subscription.status();
    }
    std::lock_guard lock(mu_);
    subscription_ = std::move(*subscription);
    return absl::OkStatus();
  }

  void Stop() {
    std::unique_ptr<TopicSubscription> subscription;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      subscription = std::move(subscription_);
    }
    if (subscription != nullptr) {
      subscription->Cancel();
    }
  }

 private:
  void Handle(const TopicMessage& message, TopicAck ack) {
    const Route* route = SelectMethod(*consumer_, message.payload.type_url());
    if (route == nullptr) {
      const std::string message_text =
          absl::StrCat("No method can be found to handle protobuf type of [",
                       message.payload.type_url(), "] on input ", consumer_->Describe(), ".");
      spdlog::error("eventing: {}", message_text);
      report_error_(message_text);
      Nack(std::move(ack));
      return;
    }
    auto self = shared_from_this();
    dispatch_(*route, message.payload, message.metadata,
              [self, ack = std::move(ack), route](const absl::Status& status) mutable {
                if (status.ok()) {
                  {
                    std::lock_guard lock(self->mu_);
                    self->backoff_ = self->options_.backoff_min;
                  }
                  ack(true);
                  return;
                }
                spdlog::warn("eventing: {} failed on a message of {} (retried): {}", route->path,
                             self->consumer_->Describe(), status.ToString());
                self->Nack(std::move(ack));
              });
  }

  // Redelivery after the back-off, so a failing subscriber does not spin.
  void Nack(TopicAck ack) {
    absl::Duration delay;
    {
      std::lock_guard lock(mu_);
      if (stopped_) {
        return;
      }
      delay = backoff_;
      backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, absl::ToChronoMilliseconds(delay));
    timer->async_wait(
        [timer, ack = std::move(ack)](const boost::system::error_code&) { ack(false); });
  }

  const EventConsumer* consumer_;
  asio::io_context& io_;
  DispatchFn dispatch_;
  ErrorFn report_error_;
  EventLogConsumer::Options options_;
  std::mutex mu_;
  absl::Duration backoff_;
  bool stopped_ = false;
  std::unique_ptr<TopicSubscription> subscription_;
};

absl::StatusOr<std::unique_ptr<EventingService>> EventingService::Create(
    const ServiceModel& model, Store& store, asio::io_context& io, Executor& store_pool,
    const DispatchFn& dispatch, const ErrorFn& report_error, Options options) {
  absl::StatusOr<EventingConfig> config = BuildEventingConfig(model);
  if (!config.ok()) {
    return config.status();
  }
  std::unique_ptr<EventingService> service(new EventingService());
  service->config_ = std::move(*config);
  service->broker_ = options.broker != nullptr
                         ? std::move(options.broker)
                         : NewInProcessTopicBroker(
                               [&io](std::function<void()> f) { asio::post(io, std::move(f)); });
  for (const EventConsumer& consumer : service->config_.consumers) {
    if (consumer.kind == SourceKind::kEventLog) {
      service->logs_.push_back(std::make_shared<LogRunner>(
          &consumer, store, io, store_pool, dispatch, report_error, options.event_log));
    } else {
      service->topics_.push_back(
          std::make_shared<TopicRunner>(&consumer, io, dispatch, report_error, options.event_log));
    }
  }
  return service;
}

absl::Status EventingService::Start() {
  for (auto& topic : topics_) {
    absl::Status status = topic->Start(*broker_);
    if (!status.ok()) {
      return status;
    }
  }
  for (auto& log : logs_) {
    log->Start();
  }
  for (const auto& [path, topic] : config_.out_topics) {
    spdlog::info("eventing: replies of {} are published to topic {} ({})", path, topic,
                 broker_->Kind());
  }
  return absl::OkStatus();
}

void EventingService::OnJournalAppend(std::string_view persistence_id) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      return;
    }
  }
  for (auto& log : logs_) {
    if (log->consumer().source == persistence_id) {
      log->Appended();
    }
  }
}

bool EventingService::HasOutTopic(const Route& route) const {
  return config_.out_topics.contains(route.path);
}

absl::Status EventingService::PublishReply(const Route& route, const google::protobuf::Any& payload,
                                           const cloudstate::Metadata& incoming) {
  auto it = config_.out_topics.find(route.path);
  if (it == config_.out_topics.end()) {
    return absl::OkStatus();
  }
  TopicMessage message;
  message.payload = payload;
  message.metadata = TopicMetadata(payload, incoming, route.entity->service_name);
  return broker_->Publish(it->second, message);
}

void EventingService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
  }
  for (auto& topic : topics_) {
    topic->Stop();
  }
  std::vector<std::future<void>> saved;
  for (auto& log : logs_) {
    auto done = std::make_shared<std::promise<void>>();
    saved.push_back(done->get_future());
    log->Stop(done);
  }
  for (auto& f : saved) {
    if (f.wait_for(kStopWait) != std::future_status::ready) {
      spdlog::warn("eventing: a consumer did not save its offset in time");
    }
  }
}

}  // namespace cloudstate::proxy::eventing
