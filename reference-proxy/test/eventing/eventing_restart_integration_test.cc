// Event-log eventing through the whole proxy (Proxy::Start, real gRPC) against an in-process
// subscriber function, over one SQLite file: events journaled before the proxy starts are
// delivered with their CloudEvent metadata, and a restarted proxy resumes after the offset the
// stopped one saved (the first event is never delivered again).

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "cloudstate/action.grpc.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/tck/model/eventlogeventing.pb.h"

#include "cloudstate/proxy/proxy.h"
#include "cloudstate/proxy/store.h"
#include "integration_util.h"

namespace cloudstate::proxy::testing {
namespace {

namespace evm = ::cloudstate::tck::model::eventlogeventing;
constexpr char kSubscriber[] = "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";

struct Received {
  std::string name;
  std::string message;  // of the EventOne's reply step
  std::string subject;
  std::string source;
  std::string ce_id;
};

std::string Meta(const cloudstate::Metadata& metadata, const std::string& key) {
  for (const auto& e : metadata.entries()) {
    if (e.key() == key) {
      return e.string_value();
    }
  }
  return "";
}

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

// Serves discovery (the subscriber action only) and answers every unary action command.
class SubscriberFunction final : public cloudstate::EntityDiscovery::Service,
                                 public cloudstate::action::ActionProtocol::Service {
 public:
  bool Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(static_cast<cloudstate::EntityDiscovery::Service*>(this));
    builder.RegisterService(static_cast<cloudstate::action::ActionProtocol::Service*>(this));
    server_ = builder.BuildAndStart();
    return server_ != nullptr && port_ != 0;
  }
  ~SubscriberFunction() override {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    }
  }
  int port() const { return port_; }

  grpc::Status discover(grpc::ServerContext*, const cloudstate::ProxyInfo*,
                        cloudstate::EntitySpec* spec) override {
    google::protobuf::FileDescriptorSet set;
    std::set<std::string> seen;
    AddWithImports(evm::EventOne::descriptor()->file(), &set, &seen);
    spec->set_proto(set.SerializeAsString());
    auto* e = spec->add_entities();
    e->set_entity_type("cloudstate.action.ActionProtocol");
    e->set_service_name(kSubscriber);
    spec->mutable_service_info()->set_protocol_major_version(0);
    spec->mutable_service_info()->set_protocol_minor_version(2);
    return grpc::Status::OK;
  }
  grpc::Status reportError(grpc::ServerContext*, const cloudstate::UserFunctionError* error,
                           google::protobuf::Empty*) override {
    ADD_FAILURE() << "the proxy reported an error: " << error->message();
    return grpc::Status::OK;
  }

  grpc::Status handleUnary(grpc::ServerContext*, const cloudstate::action::ActionCommand* command,
                           cloudstate::action::ActionResponse* response) override {
    evm::EventOne event;
    event.ParseFromString(command->payload().value());
    evm::Response reply;
    reply.set_id(Meta(command->metadata(), "ce-subject"));
    reply.set_message(event.step().reply().message());
    response->mutable_reply()->mutable_payload()->PackFrom(reply);
    {
      std::lock_guard lock(mu_);
      received_.push_back(Received{
          command->name(), event.step().reply().message(), Meta(command->metadata(), "ce-subject"),
          Meta(command->metadata(), "ce-source"), Meta(command->metadata(), "ce-id")});
    }
    cv_.notify_all();
    return grpc::Status::OK;
  }

  // Waits (generously) until a command for `message` arrived; returns everything received.
  std::vector<Received> AwaitMessage(const std::string& message) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] {
      for (const auto& r : received_) {
        if (r.message == message) {
          return true;
        }
      }
      return false;
    });
    return received_;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

StoredAny EventOne(const std::string& message) {
  evm::EventOne event;
  event.mutable_step()->mutable_reply()->set_message(message);
  return StoredAny{"type.googleapis.com/cloudstate.tck.model.eventlogeventing.EventOne",
                   event.SerializeAsString()};
}

void Append(const std::string& path, const std::string& entity, int64_t expected,
            const std::string& message) {
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(
      (*store)->AppendEvents("eventlogeventing-one|" + entity, expected, {EventOne(message)}).ok());
}

TEST(EventingRestartIntegrationTest, ARestartedProxyResumesAfterTheSavedOffset) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cs-eventing-proxy-" + std::to_string(getpid()) + ".db"))
                               .string();
  Append(path, "e1", 0, "one");
  Append(path, "e2", 0, "two");
  {
    SubscriberFunction function;
    ASSERT_TRUE(function.Start());
    ProxyOptions options = TestProxyOptions(function.port());
    options.store = "sqlite:" + path;
    auto proxy = Proxy::Start(options);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    auto got = function.AwaitMessage("two");
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].name, "ProcessEventOne");
    EXPECT_EQ(got[0].message, "one");
    EXPECT_EQ(got[0].subject, "e1");
    EXPECT_EQ(got[0].source, "eventlogeventing-one");
    EXPECT_EQ(got[1].subject, "e2");
    EXPECT_LT(std::stoll(got[0].ce_id), std::stoll(got[1].ce_id));
    (*proxy)->Shutdown();
  }
  Append(path, "e1", 1, "three");
  {
    SubscriberFunction function;
    ASSERT_TRUE(function.Start());
    ProxyOptions options = TestProxyOptions(function.port());
    options.store = "sqlite:" + path;
    auto proxy = Proxy::Start(options);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    auto got = function.AwaitMessage("three");
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back().message, "three");
    EXPECT_EQ(got.back().subject, "e1");
    // "one" was acknowledged before "two" was sent, so its offset was saved at the stop. "two"
    // may come again (at least once: the stop can precede its acknowledgement).
    for (const auto& r : got) {
      EXPECT_NE(r.message, "one") << "an acknowledged event was delivered again";
    }
    EXPECT_LE(got.size(), 2u);
    (*proxy)->Shutdown();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

}  // namespace
}  // namespace cloudstate::proxy::testing
