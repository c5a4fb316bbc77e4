// EventingService over a real store with a recording dispatch (no gRPC): events reach the
// subscriber with their metadata, and a service restarted on the same store resumes after the
// offset the stopped one saved (SQLite, and PostgreSQL when CS_POSTGRES_URL is set).

#include "eventing/eventing_service.h"

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "boost/asio/executor_work_guard.hpp"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"

#include "cloudstate/eventing.pb.h"
#include "cloudstate/tck/model/eventlogeventing.pb.h"

#include "shell/thread_pool_executor.h"
#include "store/postgres_store.h"
#include "store/postgres_test_util.h"

namespace cloudstate::proxy::eventing {
namespace {

namespace asio = boost::asio;
namespace evm = ::cloudstate::tck::model::eventlogeventing;

constexpr char kSubscriber[] = "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";

void AddWithImports(const google::protobuf::FileDescriptor* file,
                    google::protobuf::FileDescriptorSet* set, std::set<std::string>* seen) {
  if (!seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithImports(file->dependency(i), set, seen);
  }
  file->CopyTo(set->add_file());
}

// The eventlogeventing model; `eventing` replaces the eventing options of the named methods.
std::unique_ptr<ServiceModel> SubscriberModel(
    const std::map<std::string, cloudstate::Eventing>& eventing = {}) {
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> seen;
  AddWithImports(evm::EventOne::descriptor()->file(), &set, &seen);
  for (auto& file : *set.mutable_file()) {
    for (auto& service : *file.mutable_service()) {
      for (auto& m : *service.mutable_method()) {
        auto it = eventing.find(m.name());
        if (it == eventing.end()) {
          continue;
        }
        std::string bytes;
        {
          google::protobuf::io::StringOutputStream raw(&bytes);
          google::protobuf::io::CodedOutputStream out(&raw);
          const std::string value = it->second.SerializeAsString();
          out.WriteTag((1081 << 3) | 2);
          out.WriteVarint32(static_cast<uint32_t>(value.size()));
          out.WriteString(value);
        }
        m.mutable_options()->Clear();
        m.mutable_options()->MergeFromString(bytes);
      }
    }
  }
  cloudstate::EntitySpec spec;
  spec.set_proto(set.SerializeAsString());
  auto* e = spec.add_entities();
  e->set_entity_type(std::string(kActionType));
  e->set_service_name(kSubscriber);
  spec.mutable_service_info()->set_protocol_minor_version(2);
  auto model = ServiceModel::Build(spec, {std::string(kActionType)});
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

struct Delivery {
  std::string method;
  std::string type_url;
  std::string subject;
  std::string ce_id;
  std::string source;
};

// Worker threads and a store pool around one service instance.
class Harness {
 public:
  // `fail_first` deliveries fail (and are retried after a 1 ms back-off).
  Harness(Store& store, const ServiceModel& model, int fail_first = 0)
      : store_pool_(2), fail_first_(fail_first) {
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
    EventingService::Options options;
    options.event_log.backoff_min = absl::Milliseconds(1);
    options.event_log.backoff_max = absl::Milliseconds(1);
    auto service = EventingService::Create(
        model, store, io_, store_pool_,
        [this](const Route& route, const google::protobuf::Any& payload,
               const cloudstate::Metadata& metadata,
               const std::function<void(absl::Status)>& done) {
          // Acknowledged before it is recorded: once a test sees a delivery, a Stop() posted
          // after it runs after the acknowledgement (one strand, posts in order).
          bool fail = false;
          {
            std::lock_guard lock(mu_);
            fail = failed_ < fail_first_;
            failed_ += fail ? 1 : 0;
          }
          done(fail ? absl::UnavailableError("subscriber down") : absl::OkStatus());
          {
            std::lock_guard lock(mu_);
            deliveries_.push_back(Delivery{
                route.method->name(), payload.type_url(), MetadataValue(metadata, "ce-subject"),
                MetadataValue(metadata, "ce-id"), MetadataValue(metadata, "ce-source")});
          }
          cv_.notify_all();
        },
        [](const std::string&) {}, std::move(options));
    EXPECT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
    EXPECT_TRUE(service_->Start().ok());
  }
  ~Harness() {
    service_->Stop();
    store_pool_.Join();
    work_.reset();
    io_.stop();
    thread_.join();
    service_.reset();
  }

  EventingService& service() { return *service_; }

  // Waits until `count` deliveries were recorded (generous deadline; returns what there is).
  std::vector<Delivery> Await(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return deliveries_.size() >= count; });
    return deliveries_;
  }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  ThreadPoolExecutor store_pool_;
  std::thread thread_;
  std::unique_ptr<EventingService> service_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Delivery> deliveries_;
  int fail_first_ = 0;
  int failed_ = 0;
};

StoredAny EventOne(const std::string& message) {
  evm::EventOne event;
  event.mutable_step()->mutable_reply()->set_message(message);
  return StoredAny{"type.googleapis.com/cloudstate.tck.model.eventlogeventing.EventOne",
                   event.SerializeAsString()};
}

void Emit(Store& store, EventingService& service, const std::string& entity, int64_t expected,
          const std::string& message) {
  ASSERT_TRUE(
      store.AppendEvents("eventlogeventing-one|" + entity, expected, {EventOne(message)}).ok());
  service.OnJournalAppend("eventlogeventing-one");
}

// Delivers, stops, restarts on a reopened store and checks only the new event is delivered.
void CheckResume(const std::function<std::unique_ptr<Store>()>& open) {
  auto model = SubscriberModel();
  ASSERT_NE(model, nullptr);
  {
    std::unique_ptr<Store> store = open();
    ASSERT_NE(store, nullptr);
    Harness h(*store, *model);
    Emit(*store, h.service(), "e1", 0, "one");
    Emit(*store, h.service(), "e2", 0, "two");
    auto got = h.Await(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].method, "ProcessEventOne");
    EXPECT_EQ(got[0].subject, "e1");
    EXPECT_EQ(got[0].source, "eventlogeventing-one");
    EXPECT_EQ(got[1].subject, "e2");
    EXPECT_LT(std::stoll(got[0].ce_id), std::stoll(got[1].ce_id));
  }  // the service stops and saves its offset, the store closes
  {
    std::unique_ptr<Store> store = open();
    ASSERT_NE(store, nullptr);
    Harness h(*store, *model);
    Emit(*store, h.service(), "e1", 1, "three");
    auto got = h.Await(1);
    ASSERT_GE(got.size(), 1u);
    EXPECT_EQ(got[0].subject, "e1");
    // Nothing from before the restart is delivered again: its offset was saved at the stop.
    for (const Delivery& d : got) {
      EXPECT_EQ(d.subject, "e1");
    }
    EXPECT_EQ(got.size(), 1u);
  }
}

TEST(EventingServiceTest, ResumesAfterTheSavedOffsetWithSqlite) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cs-eventing-resume-" + std::to_string(getpid()) + ".db"))
                               .string();
  CheckResume([&]() -> std::unique_ptr<Store> {
    auto store = OpenSqliteStore(path);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  });
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

TEST(EventingServiceTest, ResumesAfterTheSavedOffsetWithPostgres) {
  const std::string url = proxy::testing::PostgresUrl();
  if (url.empty()) {
    GTEST_SKIP() << proxy::testing::kNoPostgresMessage;
  }
  const std::string schema = proxy::testing::FreshSchemaName("eventing");
  CheckResume([&]() -> std::unique_ptr<Store> {
    PostgresStoreOptions options;
    options.schema = schema;
    auto store = OpenPostgresStore(url, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::unique_ptr<Store>(std::move(*store)) : nullptr;
  });
  proxy::testing::DropSchema(url, schema);
}

TEST(EventingServiceTest, JsonEventsGoToTheAnySubscriber) {
  auto model = SubscriberModel();
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Store> store = NewMemoryStore();
  Harness h(*store, *model);
  ASSERT_TRUE(store
                  ->AppendEvents("eventlogeventing-two|j1", 0,
                                 {StoredAny{"json.cloudstate.io/JsonEvent", "{}"}})
                  .ok());
  h.service().OnJournalAppend("eventlogeventing-two");
  auto got = h.Await(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "ProcessAnyEvent");
  EXPECT_EQ(got[0].type_url, "json.cloudstate.io/JsonEvent");
  EXPECT_EQ(got[0].source, "eventlogeventing-two");
}

// A failed delivery is delivered again (at least once), and what follows waits for it.
TEST(EventingServiceTest, FailedDeliveriesAreRetriedInOrder) {
  auto model = SubscriberModel();
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Store> store = NewMemoryStore();
  Harness h(*store, *model, /*fail_first=*/2);
  Emit(*store, h.service(), "e1", 0, "one");
  Emit(*store, h.service(), "e1", 1, "two");
  auto got = h.Await(4);
  ASSERT_EQ(got.size(), 4u);
  // Two failed attempts at the first event, then the first and the second event.
  EXPECT_EQ(got[0].ce_id, got[1].ce_id);
  EXPECT_EQ(got[1].ce_id, got[2].ce_id);
  EXPECT_LT(std::stoll(got[2].ce_id), std::stoll(got[3].ce_id));
}

// out.topic of one method feeds in.topic of another through the embedded broker.
TEST(EventingServiceTest, PublishedRepliesReachTopicSubscribers) {
  cloudstate::Eventing publish;
  publish.mutable_out()->set_topic("results");
  cloudstate::Eventing consume;
  consume.mutable_in()->set_topic("results");
  auto model = SubscriberModel({{"Effect", publish}, {"ProcessAnyEvent", consume}});
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Store> store = NewMemoryStore();
  Harness h(*store, *model);
  const Route* effect = model->FindRoute(kSubscriber, "Effect");
  ASSERT_NE(effect, nullptr);
  ASSERT_TRUE(h.service().HasOutTopic(*effect));
  evm::Response response;
  response.set_id("r1");
  google::protobuf::Any payload;
  payload.PackFrom(response);
  ASSERT_TRUE(h.service().PublishReply(*effect, payload, cloudstate::Metadata()).ok());
  auto got = h.Await(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "ProcessAnyEvent");
  EXPECT_EQ(got[0].type_url, payload.type_url());
  EXPECT_EQ(got[0].source, kSubscriber);  // generated: the publishing service
  EXPECT_EQ(got[0].ce_id.size(), 36u);    // a random UUID
}

}  // namespace
}  // namespace cloudstate::proxy::eventing
