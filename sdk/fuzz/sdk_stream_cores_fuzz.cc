// libFuzzer harness: the SDK's value-entity and event-sourced stream cores fed an arbitrary
// sequence of messages from the proxy. Each step is either raw bytes parsed as the stream's input
// type, or a well-formed init or command whose payload bytes come from the input, so that the
// fuzzer reaches the entity code as well as the protocol checks. Uses the SDK tests' entities.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cloudstate/sdk/event_sourced.h"
#include "cloudstate/sdk/value_entity.h"
#include "test_entities.h"
#include <fuzzer/FuzzedDataProvider.h>

namespace {

namespace sdk = cloudstate::sdk;

constexpr char kValueModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
constexpr char kEsModel[] = "cloudstate.tck.model.EventSourcedTckModel";

template <class In>
void FillCommand(FuzzedDataProvider& in, cloudstate::Command* command, const char* request_type) {
  command->set_entity_id(in.ConsumeBool() ? "entity-1" : in.ConsumeRandomLengthString(8));
  command->set_id(in.ConsumeIntegralInRange<int64_t>(-1, 8));
  command->set_name(in.ConsumeBool() ? "Process" : in.ConsumeRandomLengthString(8));
  command->mutable_payload()->set_type_url(std::string("type.googleapis.com/") + request_type);
  command->mutable_payload()->set_value(in.ConsumeRandomLengthString(128));
}

void RunValueEntity(FuzzedDataProvider& in) {
  sdk::ValueEntityOptions options;
  options.service = sdk::testing::Service(kValueModel);
  options.persistence_id = "p";
  sdk::ValueEntityRegistration registration{
      options, [](std::string_view) { return std::make_unique<sdk::testing::ValueModel>(); }};
  sdk::ValueEntityStreamCore core(
      [&](std::string_view name) -> const sdk::ValueEntityRegistration* {
        return name == kValueModel ? &registration : nullptr;
      },
      /*faults=*/nullptr);  // no deliberate faults: kCrashOnProtocolError exits the process
  while (in.remaining_bytes() > 0) {
    cloudstate::valueentity::ValueEntityStreamIn message;
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        if (!message.ParseFromString(in.ConsumeRandomLengthString(256))) {
          continue;
        }
        break;
      case 1:
        message.mutable_init()->set_service_name(kValueModel);
        message.mutable_init()->set_entity_id("entity-1");
        if (in.ConsumeBool()) {
          auto* value = message.mutable_init()->mutable_state()->mutable_value();
          value->set_type_url("type.googleapis.com/cloudstate.tck.model.valueentity.Persisted");
          value->set_value(in.ConsumeRandomLengthString(32));
        }
        break;
      case 2:
        FillCommand<cloudstate::valueentity::ValueEntityStreamIn>(
            in, message.mutable_command(), "cloudstate.tck.model.valueentity.Request");
        break;
      default:
        if (core.OnInputEnd().finish) {
          return;
        }
        continue;
    }
    if (core.OnMessage(message).finish) {
      return;
    }
  }
}

void RunEventSourced(FuzzedDataProvider& in) {
  sdk::EventSourcedEntityOptions options;
  options.service = sdk::testing::Service(kEsModel);
  options.persistence_id = "p";
  options.snapshot_every = in.ConsumeIntegralInRange<int>(0, 3);
  sdk::EventSourcedRegistration registration{
      options, [](std::string_view) { return std::make_unique<sdk::testing::ConcatEntity>(); }};
  sdk::EventSourcedStreamCore core(
      [&](std::string_view name) -> const sdk::EventSourcedRegistration* {
        return name == kEsModel ? &registration : nullptr;
      },
      /*faults=*/nullptr);  // no deliberate faults: kCrashOnProtocolError exits the process
  while (in.remaining_bytes() > 0) {
    cloudstate::eventsourced::EventSourcedStreamIn message;
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0:
        if (!message.ParseFromString(in.ConsumeRandomLengthString(256))) {
          continue;
        }
        break;
      case 1:
        message.mutable_init()->set_service_name(kEsModel);
        message.mutable_init()->set_entity_id("entity-1");
        if (in.ConsumeBool()) {
          auto* snapshot = message.mutable_init()->mutable_snapshot();
          snapshot->set_snapshot_sequence(in.ConsumeIntegral<int64_t>());
          snapshot->mutable_snapshot()->set_type_url(
              "type.googleapis.com/cloudstate.tck.model.Persisted");
          snapshot->mutable_snapshot()->set_value(in.ConsumeRandomLengthString(32));
        }
        break;
      case 2: {
        auto* event = message.mutable_event();
        event->set_sequence(in.ConsumeIntegral<int64_t>());
        event->mutable_payload()->set_type_url(
            "type.googleapis.com/cloudstate.tck.model.Persisted");
        event->mutable_payload()->set_value(in.ConsumeRandomLengthString(32));
        break;
      }
      case 3:
        FillCommand<cloudstate::eventsourced::EventSourcedStreamIn>(in, message.mutable_command(),
                                                                    "cloudstate.tck.model.Request");
        break;
      default:
        if (core.OnInputEnd().finish) {
          return;
        }
        continue;
    }
    if (core.OnMessage(message).finish) {
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    RunValueEntity(in);
  } else {
    RunEventSourced(in);
  }
  return 0;
}
