#include "faults/faulty_transport.h"

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/interceptor.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"
#include "cloudstate/entity.pb.h"
#include "cloudstate/event_sourced.pb.h"
#include "cloudstate/value_entity.pb.h"

namespace cloudstate::proxy::faults {
namespace {

constexpr std::string_view kDiscover = "/cloudstate.EntityDiscovery/discover";
constexpr std::string_view kEventSourcedHandle = "/cloudstate.eventsourced.EventSourced/handle";
constexpr std::string_view kValueEntityHandle = "/cloudstate.valueentity.ValueEntity/handle";
constexpr std::string_view kCrdtHandle = "/cloudstate.crdt.Crdt/handle";
constexpr std::string_view kActionPrefix = "/cloudstate.action.ActionProtocol/";

bool IsAction(std::string_view method) { return method.starts_with(kActionPrefix); }

// The rewrites of a command sent to the function.
bool SendCommand(FaultPlan& plan, cloudstate::Command& command) {
  if (!command.entity_id().empty() && plan.Strikes(ProxyFault::kTransportCommandEntityIdDropped)) {
    command.clear_entity_id();
    return true;
  }
  return false;
}

// The rewrites of what the function answers for a command; `reply`, `forward`, `failure` and
// `side_effects` are the fields of the message at hand (ClientAction or ActionResponse).
template <class M>
bool ReceiveOutcome(FaultPlan& plan, M& m,
                    google::protobuf::RepeatedPtrField<cloudstate::SideEffect>& side_effects) {
  bool changed = false;
  if (m.has_failure() && !m.failure().description().empty() &&
      plan.Strikes(ProxyFault::kTransportFailureDescriptionLost)) {
    m.mutable_failure()->clear_description();
    changed = true;
  }
  if (m.has_forward() && plan.Strikes(ProxyFault::kTransportForwardAsEmptyReply)) {
    std::string type_url = m.forward().payload().type_url();
    m.mutable_reply()->mutable_payload()->set_type_url(std::move(type_url));
    changed = true;
  } else if (m.has_reply() && m.reply().has_payload() && !m.reply().payload().value().empty() &&
             plan.Strikes(ProxyFault::kTransportReplyPayloadDropped)) {
    m.mutable_reply()->mutable_payload()->clear_value();
    changed = true;
  }
  if (!side_effects.empty() && plan.Strikes(ProxyFault::kTransportSideEffectsDropped)) {
    side_effects.Clear();
    changed = true;
  }
  return changed;
}

bool ReceiveSpec(FaultPlan& plan, cloudstate::EntitySpec& spec) {
  bool changed = false;
  if (spec.entities_size() > 0 && plan.Strikes(ProxyFault::kTransportSpecLastEntityDropped)) {
    spec.mutable_entities()->RemoveLast();
    changed = true;
  }
  for (auto& entity : *spec.mutable_entities()) {
    if (entity.has_passivation_strategy() &&
        plan.Strikes(ProxyFault::kTransportSpecPassivationDropped)) {
      entity.clear_passivation_strategy();
      changed = true;
    }
  }
  return changed;
}

class FaultyTransportInterceptor final : public grpc::experimental::Interceptor {
 public:
  FaultyTransportInterceptor(std::shared_ptr<FaultPlan> plan, std::string method)
      : plan_(std::move(plan)), method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      RewriteOutgoing(methods->GetSerializedSendMessage());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      RewriteIncoming(methods->GetRecvMessage());
    }
    methods->Proceed();
  }

 private:
  std::unique_ptr<google::protobuf::Message> NewOutgoing() const {
    if (method_ == kDiscover) {
      return std::make_unique<cloudstate::ProxyInfo>();
    }
    if (method_ == kEventSourcedHandle) {
      return std::make_unique<cloudstate::eventsourced::EventSourcedStreamIn>();
    }
    if (method_ == kValueEntityHandle) {
      return std::make_unique<cloudstate::valueentity::ValueEntityStreamIn>();
    }
    if (method_ == kCrdtHandle) {
      return std::make_unique<cloudstate::crdt::CrdtStreamIn>();
    }
    return nullptr;  // action commands: no send faults
  }

  void RewriteOutgoing(grpc::ByteBuffer* buffer) {
    std::unique_ptr<google::protobuf::Message> message = NewOutgoing();
    if (message == nullptr || buffer == nullptr) {
      return;
    }
    std::vector<grpc::Slice> slices;
    if (!buffer->Dump(&slices).ok()) {
      return;
    }
    std::string bytes;
    for (const auto& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    if (!message->ParseFromString(bytes) || !ApplySendFaults(*plan_, method_, *message)) {
      return;
    }
    grpc::Slice rewritten(message->SerializeAsString());
    *buffer = grpc::ByteBuffer(&rewritten, 1);
  }

  // gRPC hands over the parsed message; its type follows from the method.
  void RewriteIncoming(void* received) {
    if (received == nullptr) {
      return;
    }
    google::protobuf::Message* message = nullptr;
    if (method_ == kDiscover) {
      message = static_cast<cloudstate::EntitySpec*>(received);
    } else if (method_ == kEventSourcedHandle) {
      message = static_cast<cloudstate::eventsourced::EventSourcedStreamOut*>(received);
    } else if (method_ == kValueEntityHandle) {
      message = static_cast<cloudstate::valueentity::ValueEntityStreamOut*>(received);
    } else if (method_ == kCrdtHandle) {
      message = static_cast<cloudstate::crdt::CrdtStreamOut*>(received);
    } else if (IsAction(method_)) {
      message = static_cast<cloudstate::action::ActionResponse*>(received);
    }
    if (message != nullptr) {
      ApplyReceiveFaults(*plan_, method_, *message);
    }
  }

  std::shared_ptr<FaultPlan> plan_;
  std::string method_;
};

class PassThroughInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};

class FaultyTransportFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit FaultyTransportFactory(std::shared_ptr<FaultPlan> plan) : plan_(std::move(plan)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    const std::string_view method = info->method() == nullptr ? "" : info->method();
    if (method != kDiscover && method != kEventSourcedHandle && method != kValueEntityHandle &&
        method != kCrdtHandle && !IsAction(method)) {
      // Not a call to the user function's protocol. gRPC does not accept nullptr from the
      // global factory (it would call through it), so such calls get a pass-through.
      return new PassThroughInterceptor();
    }
    return new FaultyTransportInterceptor(plan_, std::string(method));
  }

 private:
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace

bool ApplySendFaults(FaultPlan& plan, std::string_view method, google::protobuf::Message& message) {
  if (method == kDiscover) {
    auto* info = dynamic_cast<cloudstate::ProxyInfo*>(&message);
    if (info != nullptr && plan.Strikes(ProxyFault::kTransportProxyInfoOldVersion)) {
      info->set_protocol_minor_version(1);
      return true;
    }
    return false;
  }
  if (auto* es = dynamic_cast<cloudstate::eventsourced::EventSourcedStreamIn*>(&message)) {
    return es->has_command() && SendCommand(plan, *es->mutable_command());
  }
  if (auto* ve = dynamic_cast<cloudstate::valueentity::ValueEntityStreamIn*>(&message)) {
    return ve->has_command() && SendCommand(plan, *ve->mutable_command());
  }
  if (auto* crdt = dynamic_cast<cloudstate::crdt::CrdtStreamIn*>(&message)) {
    if (!crdt->has_command()) {
      return false;
    }
    bool changed = SendCommand(plan, *crdt->mutable_command());
    if (crdt->command().streamed() && plan.Strikes(ProxyFault::kTransportCrdtStreamedFlagLost)) {
      crdt->mutable_command()->set_streamed(false);
      changed = true;
    }
    return changed;
  }
  return false;
}

bool ApplyReceiveFaults(FaultPlan& plan, std::string_view method,
                        google::protobuf::Message& message) {
  (void)method;  // the message type decides; the method is kept for messages shared by methods
  if (auto* spec = dynamic_cast<cloudstate::EntitySpec*>(&message)) {
    return ReceiveSpec(plan, *spec);
  }
  if (auto* es = dynamic_cast<cloudstate::eventsourced::EventSourcedStreamOut*>(&message)) {
    if (!es->has_reply()) {
      return false;
    }
    auto* reply = es->mutable_reply();
    cloudstate::ClientAction none;
    bool changed =
        ReceiveOutcome(plan, reply->has_client_action() ? *reply->mutable_client_action() : none,
                       *reply->mutable_side_effects());
    if (reply->events_size() > 0 && plan.Strikes(ProxyFault::kTransportEventsDropped)) {
      reply->clear_events();
      changed = true;
    }
    return changed;
  }
  if (auto* ve = dynamic_cast<cloudstate::valueentity::ValueEntityStreamOut*>(&message)) {
    if (!ve->has_reply()) {
      return false;
    }
    auto* reply = ve->mutable_reply();
    cloudstate::ClientAction none;
    return ReceiveOutcome(plan, reply->has_client_action() ? *reply->mutable_client_action() : none,
                          *reply->mutable_side_effects());
  }
  if (auto* crdt = dynamic_cast<cloudstate::crdt::CrdtStreamOut*>(&message)) {
    if (!crdt->has_reply()) {
      return false;
    }
    auto* reply = crdt->mutable_reply();
    cloudstate::ClientAction none;
    bool changed =
        ReceiveOutcome(plan, reply->has_client_action() ? *reply->mutable_client_action() : none,
                       *reply->mutable_side_effects());
    if (reply->has_state_action() && reply->state_action().has_delete_() &&
        plan.Strikes(ProxyFault::kTransportCrdtDeleteIgnored)) {
      reply->clear_state_action();
      changed = true;
    }
    return changed;
  }
  if (auto* action = dynamic_cast<cloudstate::action::ActionResponse*>(&message)) {
    return ReceiveOutcome(plan, *action, *action->mutable_side_effects());
  }
  return false;
}

void InstallFaultyTransport(std::shared_ptr<FaultPlan> plan) {
  static std::atomic<bool> installed{false};
  if (plan == nullptr || installed.exchange(true)) {
    return;
  }
  // Lives as long as the process: gRPC keeps the pointer.
  grpc::experimental::RegisterGlobalClientInterceptorFactory(
      new FaultyTransportFactory(std::move(plan)));
}

}  // namespace cloudstate::proxy::faults
