// libFuzzer harness: the proxy's sans-IO entity cores (value entity, event sourced, CRDT) fed an
// arbitrary sequence of events: client commands, messages from the function (arbitrary bytes
// parsed as the stream's output type), store results, stream ends, passivation and termination.

#include <cstddef>
#include <cstdint>
#include <string>

#include "cloudstate/proxy_core/crdt_core.h"
#include "cloudstate/proxy_core/event_sourced_core.h"
#include "cloudstate/proxy_core/value_entity_core.h"
#include <fuzzer/FuzzedDataProvider.h>

namespace {

using cloudstate::proxy::CallHandle;
using cloudstate::proxy::ClientCommand;

ClientCommand Command(FuzzedDataProvider& in, CallHandle handle) {
  ClientCommand command;
  command.handle = handle;
  command.name = in.ConsumeRandomLengthString(16);
  command.payload.set_type_url(in.ConsumeRandomLengthString(32));
  command.payload.set_value(in.ConsumeRandomLengthString(64));
  command.streamed = in.ConsumeBool();
  return command;
}

absl::Status SomeStatus(FuzzedDataProvider& in) {
  const int code = in.ConsumeIntegralInRange<int>(0, 16);
  return absl::Status(static_cast<absl::StatusCode>(code), in.ConsumeRandomLengthString(16));
}

void RunValueEntity(FuzzedDataProvider& in) {
  cloudstate::proxy::ValueEntityCore core("svc", "id");
  CallHandle next = 1;
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 6)) {
      case 0:
        core.OnCommand(Command(in, next++));
        break;
      case 1: {
        if (in.ConsumeBool()) {
          core.OnLoaded(SomeStatus(in).ok()
                            ? absl::StatusOr<std::optional<google::protobuf::Any>>(std::nullopt)
                            : absl::InternalError("load"));
        } else {
          google::protobuf::Any any;
          any.set_type_url(in.ConsumeRandomLengthString(32));
          any.set_value(in.ConsumeRandomLengthString(32));
          core.OnLoaded(std::optional<google::protobuf::Any>(any));
        }
        break;
      }
      case 2: {
        cloudstate::valueentity::ValueEntityStreamOut message;
        if (message.ParseFromString(in.ConsumeRandomLengthString(256))) {
          core.OnStreamMessage(message);
        }
        break;
      }
      case 3:
        core.OnWritten(SomeStatus(in));
        break;
      case 4:
        core.OnStreamClosed(SomeStatus(in));
        break;
      case 5:
        core.Passivate();
        break;
      default:
        core.Terminate("fuzz");
        break;
    }
  }
}

void RunEventSourced(FuzzedDataProvider& in) {
  cloudstate::proxy::EventSourcedCore core("svc", "id");
  CallHandle next = 1;
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 6)) {
      case 0:
        core.OnCommand(Command(in, next++));
        break;
      case 1: {
        if (in.ConsumeBool()) {
          core.OnLoaded(absl::InternalError("load"));
          break;
        }
        cloudstate::proxy::EsRecovery recovery;
        const int events = in.ConsumeIntegralInRange<int>(0, 4);
        for (int i = 0; i < events; ++i) {
          cloudstate::eventsourced::EventSourcedEvent event;
          event.set_sequence(in.ConsumeIntegral<int64_t>());
          event.mutable_payload()->set_type_url(in.ConsumeRandomLengthString(16));
          recovery.events.push_back(event);
        }
        if (in.ConsumeBool()) {
          recovery.snapshot.emplace();
          recovery.snapshot->set_snapshot_sequence(in.ConsumeIntegral<int64_t>());
        }
        core.OnLoaded(std::move(recovery));
        break;
      }
      case 2: {
        cloudstate::eventsourced::EventSourcedStreamOut message;
        if (message.ParseFromString(in.ConsumeRandomLengthString(256))) {
          core.OnStreamMessage(message);
        }
        break;
      }
      case 3:
        if (in.ConsumeBool()) {
          core.OnPersisted(in.ConsumeIntegral<int64_t>());
        } else {
          core.OnPersisted(absl::UnavailableError("store"));
        }
        break;
      case 4:
        core.OnStreamClosed(SomeStatus(in));
        break;
      case 5:
        core.Passivate();
        break;
      default:
        core.Terminate("fuzz");
        break;
    }
  }
}

void RunCrdt(FuzzedDataProvider& in) {
  cloudstate::proxy::CrdtCore core("svc", "id");
  CallHandle next = 1;
  int64_t now = 0;
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        core.OnCommand(Command(in, next++));
        break;
      case 1: {
        cloudstate::crdt::CrdtStreamOut message;
        if (message.ParseFromString(in.ConsumeRandomLengthString(256))) {
          now += in.ConsumeIntegralInRange<int64_t>(0, 100000);
          core.OnStreamMessage(message, now);
        }
        break;
      }
      case 2:
        core.OnClientCancelled(in.ConsumeIntegralInRange<CallHandle>(0, next));
        break;
      case 3:
        core.OnStreamClosed(SomeStatus(in));
        break;
      case 4:
        core.Passivate();
        break;
      default:
        core.Terminate("fuzz");
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      RunValueEntity(in);
      break;
    case 1:
      RunEventSourced(in);
      break;
    default:
      RunCrdt(in);
      break;
  }
  return 0;
}
