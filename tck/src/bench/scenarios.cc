// The bench scenarios: the same operation as a proxy's client sends it (a unary service call)
// and as a proxy sends it to the function (a command on the entity's stream, or an action call).
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"
#include "cloudstate/event_sourced.pb.h"
#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"
#include "cloudstate/value_entity.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/tck/bench/bench.h"

namespace cloudstate::tck::bench {
namespace {

constexpr char kTypePrefix[] = "type.googleapis.com/";
constexpr char kCartService[] = "com.example.shoppingcart.ShoppingCart";
constexpr char kEventSourcedModel[] = "cloudstate.tck.model.EventSourcedTckModel";
constexpr char kValueModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
constexpr char kCrdtModel[] = "cloudstate.tck.model.crdt.CrdtTckModel";
constexpr char kActionModel[] = "cloudstate.tck.model.action.ActionTckModel";

std::string CartItem(const std::string& key, uint64_t seq) {
  com::example::shoppingcart::AddLineItem item;
  item.set_user_id(key);
  item.set_product_id(absl::StrCat("product-", seq % 16));
  item.set_name("Bench product");
  item.set_quantity(1);
  return item.SerializeAsString();
}

std::string EmitRequest(const std::string& key, uint64_t seq) {
  cloudstate::tck::model::Request request;
  request.set_id(key);
  request.add_actions()->mutable_emit()->set_value(absl::StrCat("e", seq));
  return request.SerializeAsString();
}

std::string ValueRequest(const std::string& key, uint64_t seq) {
  cloudstate::tck::model::valueentity::Request request;
  request.set_id(key);
  request.add_actions()->mutable_update()->set_value(absl::StrCat("v", seq));
  return request.SerializeAsString();
}

// The CRDT model picks the CRDT type from the entity id's prefix ("GCounter-...").
std::string CounterKey(const std::string& key) { return absl::StrCat("GCounter-", key); }
std::string SetKey(const std::string& key) { return absl::StrCat("ORSet-", key); }

std::string CounterRequest(const std::string& key, uint64_t) {
  cloudstate::tck::model::crdt::Request request;
  request.set_id(CounterKey(key));
  request.add_actions()->mutable_update()->mutable_gcounter()->set_increment(1);
  return request.SerializeAsString();
}

std::string SetRequest(const std::string& key, uint64_t seq) {
  cloudstate::tck::model::crdt::Request request;
  request.set_id(SetKey(key));
  // A bounded element space keeps the set (and each reply's state) from growing without end.
  request.add_actions()->mutable_update()->mutable_orset()->set_add(
      absl::StrCat("element-", seq % 64));
  return request.SerializeAsString();
}

std::string ActionRequest(uint64_t seq) {
  cloudstate::tck::model::action::Request request;
  request.add_groups()->add_steps()->mutable_reply()->set_message(absl::StrCat("m", seq));
  return request.SerializeAsString();
}

// A serialized request as the JSON body of the HTTP/JSON API (proto3 JSON mapping).
template <typename Message>
std::function<std::string(const std::string&, uint64_t)> JsonOf(
    std::function<std::string(const std::string&, uint64_t)> serialized) {
  return [serialized = std::move(serialized)](const std::string& key, uint64_t seq) {
    Message message;
    message.ParseFromString(serialized(key, seq));
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(message, &json);
    return json;
  };
}

std::function<std::string(const std::string&, uint64_t)> PathOf(std::string prefix,
                                                                std::string suffix = "") {
  return [prefix = std::move(prefix), suffix = std::move(suffix)](
             const std::string& key, uint64_t) { return absl::StrCat(prefix, key, suffix); };
}

void FillCommand(cloudstate::Command* command, const std::string& entity_id, int64_t id,
                 const char* name, const std::string& type, const std::string& payload) {
  command->set_entity_id(entity_id);
  command->set_id(id);
  command->set_name(name);
  command->mutable_payload()->set_type_url(absl::StrCat(kTypePrefix, type));
  command->mutable_payload()->set_value(payload);
}

// An event-sourced entity stream for `service`, commands `name` with payloads from `payload`.
StreamProtocol EventSourcedStream(
    const std::string& service, const char* name, const std::string& type,
    const std::function<std::string(const std::string&, uint64_t)>& payload) {
  StreamProtocol p;
  p.method = "/cloudstate.eventsourced.EventSourced/handle";
  p.init = [service](const std::string& key) {
    cloudstate::eventsourced::EventSourcedStreamIn in;
    in.mutable_init()->set_service_name(service);
    in.mutable_init()->set_entity_id(key);
    return in.SerializeAsString();
  };
  p.command = [name, type, payload](const std::string& key, uint64_t seq, int64_t id) {
    cloudstate::eventsourced::EventSourcedStreamIn in;
    FillCommand(in.mutable_command(), key, id, name, type, payload(key, seq));
    return in.SerializeAsString();
  };
  p.classify = [](const std::string& bytes) {
    cloudstate::eventsourced::EventSourcedStreamOut out;
    if (!out.ParseFromString(bytes)) {
      return static_cast<int>(grpc::StatusCode::INTERNAL);
    }
    return out.has_reply() && !out.reply().client_action().has_failure() ? 0 : kFailureReply;
  };
  return p;
}

StreamProtocol ValueEntityStream() {
  StreamProtocol p;
  p.method = "/cloudstate.valueentity.ValueEntity/handle";
  p.init = [](const std::string& key) {
    cloudstate::valueentity::ValueEntityStreamIn in;
    in.mutable_init()->set_service_name(kValueModel);
    in.mutable_init()->set_entity_id(key);
    return in.SerializeAsString();
  };
  p.command = [](const std::string& key, uint64_t seq, int64_t id) {
    cloudstate::valueentity::ValueEntityStreamIn in;
    FillCommand(in.mutable_command(), key, id, "Process",
                "cloudstate.tck.model.valueentity.Request", ValueRequest(key, seq));
    return in.SerializeAsString();
  };
  p.classify = [](const std::string& bytes) {
    cloudstate::valueentity::ValueEntityStreamOut out;
    if (!out.ParseFromString(bytes)) {
      return static_cast<int>(grpc::StatusCode::INTERNAL);
    }
    return out.has_reply() && !out.reply().client_action().has_failure() ? 0 : kFailureReply;
  };
  return p;
}

StreamProtocol CrdtStream(const std::function<std::string(const std::string&)>& entity,
                          const std::function<std::string(const std::string&, uint64_t)>& payload) {
  StreamProtocol p;
  p.method = "/cloudstate.crdt.Crdt/handle";
  p.init = [entity](const std::string& key) {
    cloudstate::crdt::CrdtStreamIn in;
    in.mutable_init()->set_service_name(kCrdtModel);
    in.mutable_init()->set_entity_id(entity(key));
    return in.SerializeAsString();
  };
  p.command = [entity, payload](const std::string& key, uint64_t seq, int64_t id) {
    cloudstate::crdt::CrdtStreamIn in;
    FillCommand(in.mutable_command(), entity(key), id, "Process",
                "cloudstate.tck.model.crdt.Request", payload(key, seq));
    return in.SerializeAsString();
  };
  p.classify = [](const std::string& bytes) {
    cloudstate::crdt::CrdtStreamOut out;
    if (!out.ParseFromString(bytes)) {
      return static_cast<int>(grpc::StatusCode::INTERNAL);
    }
    return out.has_reply() && !out.reply().client_action().has_failure() ? 0 : kFailureReply;
  };
  return p;
}

std::vector<Scenario> MakeScenarios() {
  std::vector<Scenario> all;
  {
    Scenario s;
    s.name = "cart-add";
    s.description = "Shopping cart AddItem (event sourced; one event per command).";
    s.proxy_method = absl::StrCat("/", kCartService, "/AddItem");
    s.proxy_request = CartItem;
    s.http_path = PathOf("/cart/", "/items/add");
    s.http_body = JsonOf<com::example::shoppingcart::AddLineItem>(CartItem);
    s.function_streamed = true;
    s.function_stream = EventSourcedStream(kCartService, "AddItem",
                                           "com.example.shoppingcart.AddLineItem", CartItem);
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "es-emit";
    s.description =
        "Event-sourced TCK model: emit one event per command (the model snapshots every few "
        "events).";
    s.proxy_method = absl::StrCat("/", kEventSourcedModel, "/Process");
    s.proxy_request = EmitRequest;
    s.http_path = PathOf("/tck/model/eventsourced/");
    s.http_body = JsonOf<cloudstate::tck::model::Request>(EmitRequest);
    s.function_streamed = true;
    s.function_stream = EventSourcedStream(kEventSourcedModel, "Process",
                                           "cloudstate.tck.model.Request", EmitRequest);
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "value-update";
    s.description = "Value entity TCK model: replace the state on every command.";
    s.proxy_method = absl::StrCat("/", kValueModel, "/Process");
    s.proxy_request = ValueRequest;
    s.http_path = PathOf("/tck/model/entity/");
    s.http_body = JsonOf<cloudstate::tck::model::valueentity::Request>(ValueRequest);
    s.function_streamed = true;
    s.function_stream = ValueEntityStream();
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "crdt-counter";
    s.description = "CRDT TCK model: increment a GCounter.";
    s.proxy_method = absl::StrCat("/", kCrdtModel, "/Process");
    s.proxy_request = CounterRequest;
    s.http_path = [](const std::string& key, uint64_t) {
      return absl::StrCat("/tck/model/crdt/", CounterKey(key));
    };
    s.http_body = JsonOf<cloudstate::tck::model::crdt::Request>(CounterRequest);
    s.function_streamed = true;
    s.function_stream = CrdtStream(CounterKey, CounterRequest);
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "crdt-set";
    s.description = "CRDT TCK model: add one of 64 elements to an ORSet.";
    s.proxy_method = absl::StrCat("/", kCrdtModel, "/Process");
    s.proxy_request = SetRequest;
    s.http_path = [](const std::string& key, uint64_t) {
      return absl::StrCat("/tck/model/crdt/", SetKey(key));
    };
    s.http_body = JsonOf<cloudstate::tck::model::crdt::Request>(SetRequest);
    s.function_streamed = true;
    s.function_stream = CrdtStream(SetKey, SetRequest);
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "action-unary";
    s.description = "Action TCK model: a unary call answered with one reply.";
    s.keyed = false;
    s.proxy_method = absl::StrCat("/", kActionModel, "/ProcessUnary");
    s.proxy_request = [](const std::string&, uint64_t seq) { return ActionRequest(seq); };
    s.http_path = [](const std::string&, uint64_t) {
      return std::string("/tck/model/action/unary");
    };
    s.http_body = JsonOf<cloudstate::tck::model::action::Request>(s.proxy_request);
    s.function_unary_method = "/cloudstate.action.ActionProtocol/handleUnary";
    s.function_unary_request = [](uint64_t seq) {
      cloudstate::action::ActionCommand command;
      command.set_service_name(kActionModel);
      command.set_name("ProcessUnary");
      command.mutable_payload()->set_type_url(
          absl::StrCat(kTypePrefix, "cloudstate.tck.model.action.Request"));
      command.mutable_payload()->set_value(ActionRequest(seq));
      return command.SerializeAsString();
    };
    s.function_unary_check = [](const std::string& bytes) {
      cloudstate::action::ActionResponse response;
      if (!response.ParseFromString(bytes)) {
        return static_cast<int>(grpc::StatusCode::INTERNAL);
      }
      return response.has_reply() ? 0 : kFailureReply;
    };
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "action-streamed";
    s.description =
        "Action TCK model: a streamed call (ProcessStreamed) per request, one message each way, "
        "then closed.";
    s.keyed = false;
    s.stream_per_request = true;
    s.proxy_method = absl::StrCat("/", kActionModel, "/ProcessStreamed");
    s.proxy_streamed = true;
    s.proxy_stream.method = s.proxy_method;
    s.proxy_stream.command = [](const std::string&, uint64_t seq, int64_t) {
      return ActionRequest(seq);
    };
    s.proxy_stream.classify = [](const std::string& bytes) {
      cloudstate::tck::model::action::Response response;
      return response.ParseFromString(bytes) ? 0 : static_cast<int>(grpc::StatusCode::INTERNAL);
    };
    s.function_streamed = true;
    s.function_stream.method = "/cloudstate.action.ActionProtocol/handleStreamed";
    // The first message names the method; later ones carry only payloads.
    s.function_stream.init = [](const std::string&) {
      cloudstate::action::ActionCommand command;
      command.set_service_name(kActionModel);
      command.set_name("ProcessStreamed");
      return command.SerializeAsString();
    };
    s.function_stream.command = [](const std::string&, uint64_t seq, int64_t) {
      cloudstate::action::ActionCommand command;
      command.mutable_payload()->set_type_url(
          absl::StrCat(kTypePrefix, "cloudstate.tck.model.action.Request"));
      command.mutable_payload()->set_value(ActionRequest(seq));
      return command.SerializeAsString();
    };
    s.function_stream.classify = [](const std::string& bytes) {
      cloudstate::action::ActionResponse response;
      if (!response.ParseFromString(bytes)) {
        return static_cast<int>(grpc::StatusCode::INTERNAL);
      }
      return response.has_reply() ? 0 : kFailureReply;
    };
    all.push_back(std::move(s));
  }
  return all;
}

}  // namespace

const std::vector<Scenario>& Scenarios() {
  static const auto* const kAll = new std::vector<Scenario>(MakeScenarios());
  return *kAll;
}

const Scenario* FindScenario(const std::string& name) {
  for (const auto& s : Scenarios()) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace cloudstate::tck::bench
