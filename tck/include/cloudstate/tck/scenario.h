#pragma once
// The scenario DSL: a case reads like the exchange between the proxy (played by the kit) and the
// user function under test.
//
//   void SingleEmittedEvent(CaseContext& ctx) {
//     const std::string id = ctx.NewEntityId("es");
//     auto es = ctx.EventSourced();
//     es.Send(es::Init(kEventSourcedTckModel, id));
//     es.Send(es::Command(1, id, "Process", EsRequest(id, {Emit("A")})));
//     es.Expect(es::Reply(1, EsResponse("A"), {.events = {EsPersisted("A")}}));
//     es.Passivate();  // half-close; the function must complete its side with no further message
//   }
//
// Contract:
//  * Every wait is driven by the arriving message and bounded by ctx.timing().window (3 s x
//    --time-scale). "Nothing more" checks use ctx.timing().quiet (100 ms x scale). A passing case
//    never sleeps.
//  * The first failed expectation fails the case; from then on every DSL call returns at once (no
//    exceptions). Bodies may test ctx.failed() to stop early, but need not.
//  * Comparison is exact protobuf equality (presence-aware, Any type URLs and bytes compared); pass
//    CompareOptions{.normalize = ...} where the spec allows order-insensitive content (see
//    compare.h: SortCrdtDeltas).
//  * On failure the report carries the rule ids, the numbered exchange so far (both directions,
//    text format) and a field-level diff.
//  * Streams are cancelled when the stream object goes out of scope; a case never leaks a call.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/message.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"
#include "cloudstate/entity.pb.h"
#include "cloudstate/event_sourced.pb.h"
#include "cloudstate/value_entity.pb.h"

#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/compare.h"
#include "cloudstate/tck/messages.h"
#include "cloudstate/tck/stream_transport.h"

namespace grpc {
class Channel;
}

namespace cloudstate::tck {

struct Timing {
  double time_scale = 1.0;
  std::chrono::milliseconds window{3000};          // every expectation
  std::chrono::milliseconds quiet{100};            // "no further message"
  std::chrono::milliseconds stream_budget{30000};  // hard deadline of any single gRPC call

  static Timing Scaled(double time_scale);
};

struct DiscoveryInfo;  // discovery.h
class CaseContext;

// One stream to the function (all call shapes are carried as bidirectional streams on the wire,
// so unary, streamed-in and streamed-out calls use the same object): the expectations over a
// StreamTransport (stream_transport.h).
class StreamCore;

template <typename In, typename Out>
class Stream {
 public:
  Stream(CaseContext* ctx, std::shared_ptr<StreamCore> core) : ctx_(ctx), core_(std::move(core)) {}
  Stream(Stream&&) noexcept = default;
  Stream& operator=(Stream&&) noexcept = default;
  ~Stream();

  // Sends a message to the function.
  void Send(const In& message);
  // Sends unless the function has already ended the call (then returns false without failing):
  // for messages that follow a protocol violation the function may have rejected at once.
  bool SendIfOpen(const In& message);
  // Waits for the next message and requires it to equal `expected`.
  void Expect(const Out& expected, const CompareOptions& options = {});
  // Waits for the next message and requires `check` to return "" for it (otherwise the returned
  // text is the failure reason). `what` describes the expectation in the transcript.
  std::optional<Out> ExpectThat(std::string_view what,
                                const std::function<std::string(const Out&)>& check);
  // Waits for the next message; nullopt (and the case fails) when none arrives in the window.
  std::optional<Out> Receive();
  // Like Receive() but does not fail the case: nullopt when the stream ended or nothing arrived.
  std::optional<Out> TryReceive();
  // Requires that no message arrives within the quiet window.
  void ExpectNothing();
  // Half-closes our side (the proxy finished sending).
  void Close();
  // Requires the function to complete its side with OK status and no further message.
  void ExpectClosed();
  // Requires the stream to end (any status) with no further message.
  void ExpectEnded();
  // Requires the stream to end with a non-OK gRPC status (no further message).
  void ExpectError();
  // Close() then ExpectClosed(): the end of every model scenario.
  void Passivate() {
    Close();
    ExpectClosed();
  }
  // Cancels the call (as a proxy does when its client goes away).
  void Cancel();
  // Waits (within the window) for whatever comes next: a message, the end of the call, or
  // nothing. Never fails the case by itself; for judging reactions to inputs no conforming proxy
  // sends, where several reactions are acceptable. After a failure of the case: kSilent at once.
  enum class ReactionKind { kMessage, kEnded, kSilent };
  struct Reaction {
    ReactionKind kind = ReactionKind::kSilent;
    std::optional<Out> message;  // kMessage
    bool status_ok = false;      // kEnded: whether the call ended with status OK
    std::string status;          // kEnded: the status as text
  };
  Reaction AwaitReaction();
  // Label used in the transcript, e.g. "eventsourced#2".
  const std::string& label() const;

 private:
  CaseContext* ctx_;
  std::shared_ptr<StreamCore> core_;
};

using EventSourcedStream = Stream<cloudstate::eventsourced::EventSourcedStreamIn,
                                  cloudstate::eventsourced::EventSourcedStreamOut>;
using ValueEntityStream = Stream<cloudstate::valueentity::ValueEntityStreamIn,
                                 cloudstate::valueentity::ValueEntityStreamOut>;
using CrdtStream = Stream<cloudstate::crdt::CrdtStreamIn, cloudstate::crdt::CrdtStreamOut>;
using ActionStream = Stream<cloudstate::action::ActionCommand, cloudstate::action::ActionResponse>;

// What a case body works with.
class CaseContext {
 public:
  CaseContext(const CaseSpec* spec, std::shared_ptr<grpc::Channel> channel,
              const DiscoveryInfo* discovery, Timing timing, std::string run_id);
  // Streams are opened with `opener` instead of over `channel` (which then serves only discover
  // and reportError, and may be null when the case needs neither): for targets that carry the
  // protocol some other way, such as an SDK in the same process.
  CaseContext(const CaseSpec* spec, StreamOpener opener, std::shared_ptr<grpc::Channel> channel,
              const DiscoveryInfo* discovery, Timing timing, std::string run_id);
  ~CaseContext();
  CaseContext(const CaseContext&) = delete;
  CaseContext& operator=(const CaseContext&) = delete;

  // --- streams (each call opens a new gRPC call to the function) ---
  EventSourcedStream EventSourced();
  ValueEntityStream ValueEntity();
  CrdtStream Crdt();
  // Action calls. Unary and streamed-out send `command` and half-close at once.
  ActionStream ActionUnary(const cloudstate::action::ActionCommand& command);
  ActionStream ActionStreamedIn();
  ActionStream ActionStreamedOut(const cloudstate::action::ActionCommand& command);
  ActionStream ActionStreamed();

  // --- discovery ---
  // The discovery answer captured at the start of the run (never null during a case).
  const DiscoveryInfo& discovery() const { return *discovery_; }
  // Calls discover / reportError afresh (within the window).
  std::optional<cloudstate::EntitySpec> Discover(const cloudstate::ProxyInfo& info);
  bool ReportError(const std::string& message);

  // An entity id unique within the run: "<prefix>-<case>-<run id>-<n>". CRDT cases pass the CRDT
  // type as prefix ("GCounter"), because the model reads the type from the prefix.
  std::string NewEntityId(std::string_view prefix);

  // --- verdict ---
  bool failed() const { return failed_; }
  // Fails the case (the first failure wins). `details` is appended to the report's details.
  void Fail(std::string_view message, std::string_view details = "");
  // Fails with `message` unless `condition` holds; returns `condition`.
  bool Check(bool condition, std::string_view message);
  // Adds a free-form line to the transcript.
  void Note(std::string_view line);

  const Timing& timing() const { return timing_; }
  const CaseSpec& spec() const { return *spec_; }
  const std::string& message() const { return message_; }
  // Failure details: rules, transcript, diff.
  std::string Details() const;

  // Used by streams (always on the case's thread, in the order the case sent or consumed them).
  void Record(std::string_view label, bool outgoing, const google::protobuf::Message& message);
  void RecordEvent(std::string_view label, std::string_view text);
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // Opens a bidirectional call on `method` ("/cloudstate.eventsourced.EventSourced/handle").
  std::shared_ptr<StreamCore> OpenCore(std::string_view label_prefix, const std::string& method,
                                       const google::protobuf::Message& out_prototype);

 private:
  const CaseSpec* spec_;
  std::shared_ptr<grpc::Channel> channel_;
  StreamOpener opener_;
  const DiscoveryInfo* discovery_;
  Timing timing_;
  std::string run_id_;
  int next_entity_ = 1;
  int next_stream_ = 1;
  bool failed_ = false;
  std::string message_;
  std::string extra_details_;
  std::vector<std::string> transcript_;  // numbered lines, case thread only
};

}  // namespace cloudstate::tck

#include "cloudstate/tck/internal/stream_impl.h"  // IWYU pragma: export
