#include "cloudstate/tck/scenario.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/entity.grpc.pb.h"

#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/stream_transport.h"

namespace cloudstate::tck {

namespace {

using google::protobuf::Message;
using Clock = std::chrono::steady_clock;

std::string StatusText(const grpc::Status& status) {
  int code = static_cast<int>(status.error_code());
  // gRPC and absl number their status codes alike and name them alike.
  std::string name = code >= 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated)
                         ? absl::StatusCodeToString(static_cast<absl::StatusCode>(code))
                         : absl::StrCat(code);
  if (status.error_message().empty()) {
    return name;
  }
  return absl::StrCat(name, ": ", status.error_message());
}

std::string Seconds(std::chrono::milliseconds ms) {
  return absl::StrFormat("%.1f s", static_cast<double>(ms.count()) / 1000.0);
}

// The expectations of one stream, over whatever transport carries it (stream_transport.h).
class ExpectingStreamCore : public StreamCore {
 public:
  ExpectingStreamCore(std::string label, std::unique_ptr<StreamTransport> transport,
                      const Message& prototype, const Timing& timing)
      : label_(std::move(label)),
        transport_(std::move(transport)),
        prototype_(prototype),
        timing_(timing) {}

  const std::string& label() const override { return label_; }

  bool Send(CaseContext& ctx, const Message& message, bool tolerate_ended) override {
    if (ctx.failed()) {
      return false;
    }
    if (half_closed_) {
      ctx.Record(label_, true, message);
      ctx.Fail(absl::StrCat("kit error: sending on ", label_, " after half-closing it"));
      return false;
    }
    if (tolerate_ended && ReadDone()) {
      ctx.RecordEvent(label_,
                      absl::StrCat("(not sent: the function already ended the call) ",
                                   message.GetDescriptor()->name(), " ", ShortText(message)));
      return false;
    }
    ctx.Record(label_, true, message);
    std::string bytes;
    message.SerializeToString(&bytes);
    if (!transport_->Write(bytes)) {
      if (tolerate_ended) {
        ctx.RecordEvent(label_, "(the write found the call already ended)");
        return false;
      }
      ctx.Fail(absl::StrCat("could not send ", message.GetDescriptor()->name(), " on ", label_,
                            ": the call has already ended (", EndStatusText(), ")"));
      return false;
    }
    return true;
  }

  bool ReadDone() { return transport_->ReadDone(); }

  std::unique_ptr<Message> Expect(CaseContext& ctx, const Message& expected,
                                  const CompareOptions& options) override {
    if (ctx.failed()) {
      return nullptr;
    }
    auto got = Next(ctx, absl::StrCat(expected.GetDescriptor()->name(), " ", ShortText(expected)));
    if (got == nullptr) {
      return nullptr;
    }
    CompareResult result = CompareMessages(expected, *got, options);
    if (!result.equal) {
      ctx.Fail(absl::StrCat("the ", got->GetDescriptor()->name(), " received on ", label_,
                            " differs from the expected one"),
               absl::StrCat("Expected:\n", Indent(LongText(expected)), "\nActual:\n",
                            Indent(LongText(*got)), "\nDifferences:\n", Indent(result.diff)));
      return nullptr;
    }
    return got;
  }

  std::unique_ptr<Message> ExpectThat(
      CaseContext& ctx, std::string_view what,
      const std::function<std::string(const Message&)>& check) override {
    if (ctx.failed()) {
      return nullptr;
    }
    auto got = Next(ctx, std::string(what));
    if (got == nullptr) {
      return nullptr;
    }
    std::string problem = check(*got);
    if (!problem.empty()) {
      ctx.Fail(absl::StrCat("expected ", std::string(what), " on ", label_, ": ", problem),
               absl::StrCat("Actual:\n", Indent(LongText(*got))));
      return nullptr;
    }
    return got;
  }

  std::unique_ptr<Message> Receive(CaseContext& ctx, bool required) override {
    if (ctx.failed()) {
      return nullptr;
    }
    if (required) {
      return Next(ctx, "a message");
    }
    std::string bytes;
    if (Wait(timing_.window, &bytes) != Arrival::kMessage) {
      return nullptr;
    }
    return Parse(ctx, bytes);
  }

  void ExpectNothing(CaseContext& ctx) override {
    if (ctx.failed()) {
      return;
    }
    std::string bytes;
    if (Wait(timing_.quiet, &bytes) == Arrival::kMessage) {
      auto got = Parse(ctx, bytes);
      if (got != nullptr) {
        ctx.Fail(absl::StrCat("expected no further message on ", label_, " but received a ",
                              got->GetDescriptor()->name()));
      }
    }
  }

  void Close(CaseContext& ctx) override {
    if (ctx.failed() || half_closed_) {
      return;
    }
    half_closed_ = true;
    ctx.RecordEvent(label_, "→ half-close (the proxy has nothing more to send)");
    transport_->WritesDone();
  }

  void ExpectEnd(CaseContext& ctx, End kind) override {
    if (ctx.failed()) {
      return;
    }
    std::string bytes;
    switch (Wait(timing_.window, &bytes)) {
      case Arrival::kMessage: {
        auto got = Parse(ctx, bytes);
        if (got != nullptr) {
          ctx.Fail(absl::StrCat("expected ", label_, " to end, but the function sent another ",
                                got->GetDescriptor()->name()));
        }
        return;
      }
      case Arrival::kTimeout:
        ctx.Fail(absl::StrCat("expected the function to complete ", label_, " within ",
                              Seconds(timing_.window), ", but the stream stayed open"));
        return;
      case Arrival::kEnded:
        break;
    }
    const StreamTransport::EndStatus& status = transport_->Finish(timing_.window);
    ctx.RecordEvent(label_, absl::StrCat("← stream ended: ", status.text));
    if (kind == End::kOk && !status.ok) {
      ctx.Fail(absl::StrCat("expected ", label_, " to complete normally, but it ended with ",
                            status.text));
    } else if (kind == End::kError && status.ok) {
      ctx.Fail(
          absl::StrCat("expected ", label_, " to end with an error status, but it completed OK"));
    }
  }

  Reaction Await(CaseContext& ctx) override {
    Reaction r;
    if (ctx.failed()) {
      return r;
    }
    std::string bytes;
    switch (Wait(timing_.window, &bytes)) {
      case Arrival::kMessage:
        r.message = Parse(ctx, bytes);
        r.kind = r.message != nullptr ? Reaction::Kind::kMessage : Reaction::Kind::kSilent;
        return r;
      case Arrival::kTimeout:
        ctx.RecordEvent(label_, absl::StrCat("(nothing within ", Seconds(timing_.window), ")"));
        return r;
      case Arrival::kEnded: {
        const StreamTransport::EndStatus& status = transport_->Finish(timing_.window);
        ctx.RecordEvent(label_, absl::StrCat("← stream ended: ", status.text));
        r.kind = Reaction::Kind::kEnded;
        r.status_ok = status.ok;
        r.status = status.text;
        return r;
      }
    }
    return r;
  }

  void Cancel(CaseContext& ctx) override {
    if (ctx.failed()) {
      return;
    }
    ctx.RecordEvent(label_, "→ cancel");
    transport_->Cancel();
  }

 private:
  using Arrival = StreamTransport::Arrival;

  static std::string Indent(const std::string& text) {
    std::string out = "    ";
    for (char c : text) {
      out += c;
      if (c == '\n') {
        out += "    ";
      }
    }
    return out;
  }

  Arrival Wait(std::chrono::milliseconds timeout, std::string* bytes) {
    return transport_->Wait(timeout, bytes);
  }

  std::string EndStatusText() { return transport_->Finish(timing_.window).text; }

  std::unique_ptr<Message> Parse(CaseContext& ctx, const std::string& bytes) {
    std::unique_ptr<Message> message(prototype_.New());
    if (!message->ParseFromString(bytes)) {
      ctx.Fail(absl::StrCat("the function sent ", bytes.size(), " bytes on ", label_,
                            " that do not parse as ", prototype_.GetDescriptor()->full_name()));
      return nullptr;
    }
    ctx.Record(label_, false, *message);
    return message;
  }

  std::unique_ptr<Message> Next(CaseContext& ctx, const std::string& what) {
    std::string bytes;
    switch (Wait(timing_.window, &bytes)) {
      case Arrival::kMessage:
        return Parse(ctx, bytes);
      case Arrival::kTimeout:
        ctx.Fail(absl::StrCat("waited ", Seconds(timing_.window), " on ", label_, " for ", what,
                              "; nothing arrived"));
        return nullptr;
      case Arrival::kEnded: {
        std::string status = EndStatusText();
        ctx.RecordEvent(label_, absl::StrCat("← stream ended: ", status));
        ctx.Fail(absl::StrCat("expected ", what, " on ", label_,
                              ", but the function ended the stream (", status, ")"));
        return nullptr;
      }
    }
    return nullptr;
  }

  std::string label_;
  std::unique_ptr<StreamTransport> transport_;
  const Message& prototype_;
  Timing timing_;
  bool half_closed_ = false;
};

}  // namespace

Timing Timing::Scaled(double time_scale) {
  Timing t;
  t.time_scale = time_scale;
  auto scale = [time_scale](std::chrono::milliseconds ms) {
    return std::chrono::milliseconds(
        static_cast<int64_t>(static_cast<double>(ms.count()) * time_scale));
  };
  t.window = scale(t.window);
  t.quiet = scale(t.quiet);
  t.stream_budget = scale(t.stream_budget);
  return t;
}

CaseContext::CaseContext(const CaseSpec* spec, std::shared_ptr<grpc::Channel> channel,
                         const DiscoveryInfo* discovery, Timing timing, std::string run_id)
    : spec_(spec),
      channel_(std::move(channel)),
      discovery_(discovery),
      timing_(timing),
      run_id_(std::move(run_id)) {}

CaseContext::CaseContext(const CaseSpec* spec, StreamOpener opener,
                         std::shared_ptr<grpc::Channel> channel, const DiscoveryInfo* discovery,
                         Timing timing, std::string run_id)
    : CaseContext(spec, std::move(channel), discovery, timing, std::move(run_id)) {
  opener_ = std::move(opener);
}

CaseContext::~CaseContext() = default;

std::shared_ptr<StreamCore> CaseContext::OpenCore(std::string_view label_prefix,
                                                  const std::string& method,
                                                  const Message& out_prototype) {
  std::string label = absl::StrCat(std::string(label_prefix), "#", next_stream_++);
  RecordEvent(label, absl::StrCat("→ open ", method));
  std::unique_ptr<StreamTransport> transport =
      opener_ ? opener_(method) : OpenGrpcStream(channel_, method, timing_.stream_budget);
  return std::make_shared<ExpectingStreamCore>(std::move(label), std::move(transport),
                                               out_prototype, timing_);
}

EventSourcedStream CaseContext::EventSourced() {
  return EventSourcedStream(
      this, OpenCore("eventsourced", "/cloudstate.eventsourced.EventSourced/handle",
                     cloudstate::eventsourced::EventSourcedStreamOut::default_instance()));
}

ValueEntityStream CaseContext::ValueEntity() {
  return ValueEntityStream(
      this, OpenCore("valueentity", "/cloudstate.valueentity.ValueEntity/handle",
                     cloudstate::valueentity::ValueEntityStreamOut::default_instance()));
}

CrdtStream CaseContext::Crdt() {
  return CrdtStream(this, OpenCore("crdt", "/cloudstate.crdt.Crdt/handle",
                                   cloudstate::crdt::CrdtStreamOut::default_instance()));
}

ActionStream CaseContext::ActionUnary(const cloudstate::action::ActionCommand& command) {
  ActionStream stream(this,
                      OpenCore("action.unary", "/cloudstate.action.ActionProtocol/handleUnary",
                               cloudstate::action::ActionResponse::default_instance()));
  stream.Send(command);
  stream.Close();
  return stream;
}

ActionStream CaseContext::ActionStreamedIn() {
  return ActionStream(
      this, OpenCore("action.streamed_in", "/cloudstate.action.ActionProtocol/handleStreamedIn",
                     cloudstate::action::ActionResponse::default_instance()));
}

ActionStream CaseContext::ActionStreamedOut(const cloudstate::action::ActionCommand& command) {
  ActionStream stream(
      this, OpenCore("action.streamed_out", "/cloudstate.action.ActionProtocol/handleStreamedOut",
                     cloudstate::action::ActionResponse::default_instance()));
  stream.Send(command);
  stream.Close();
  return stream;
}

ActionStream CaseContext::ActionStreamed() {
  return ActionStream(
      this, OpenCore("action.streamed", "/cloudstate.action.ActionProtocol/handleStreamed",
                     cloudstate::action::ActionResponse::default_instance()));
}

std::optional<cloudstate::EntitySpec> CaseContext::Discover(const cloudstate::ProxyInfo& info) {
  if (failed_) {
    return std::nullopt;
  }
  Record("discovery", true, info);
  auto spec = CallDiscover(channel_, info, timing_.window);
  if (!spec.ok()) {
    Fail(absl::StrCat("discover did not answer: ", spec.status().message()));
    return std::nullopt;
  }
  RecordEvent("discovery", absl::StrCat("← EntitySpec with ", spec->entities_size(), " entities"));
  return *spec;
}

bool CaseContext::ReportError(const std::string& message) {
  if (failed_) {
    return false;
  }
  cloudstate::UserFunctionError error;
  error.set_message(message);
  Record("discovery", true, error);
  auto stub = cloudstate::EntityDiscovery::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timing_.window);
  google::protobuf::Empty empty;
  grpc::Status status = stub->reportError(&context, error, &empty);
  if (!status.ok()) {
    Fail(absl::StrCat("reportError failed: ", StatusText(status)));
    return false;
  }
  RecordEvent("discovery", "← Empty");
  return true;
}

std::string CaseContext::NewEntityId(std::string_view prefix) {
  std::string name = spec_->name.substr(spec_->name.find('.') + 1);
  std::string p = prefix.empty() ? spec_->area : std::string(prefix);
  return absl::StrCat(p, "-", name, "-", run_id_, "-", next_entity_++);
}

void CaseContext::Fail(std::string_view message, std::string_view details) {
  if (failed_) {
    return;
  }
  failed_ = true;
  message_ = std::string(message);
  extra_details_ = std::string(details);
}

bool CaseContext::Check(bool condition, std::string_view message) {
  if (!condition && !failed_) {
    Fail(message);
  }
  return condition;
}

void CaseContext::Note(std::string_view line) { RecordEvent("note", line); }

void CaseContext::Record(std::string_view label, bool outgoing, const Message& message) {
  transcript_.push_back(absl::StrFormat("%3d %s %-18s %s %s", transcript_.size() + 1,
                                        outgoing ? "→" : "←", label,
                                        message.GetDescriptor()->name(), ShortText(message)));
}

void CaseContext::RecordEvent(std::string_view label, std::string_view text) {
  transcript_.push_back(absl::StrFormat("%3d   %-18s %s", transcript_.size() + 1, label, text));
}

std::string CaseContext::Details() const {
  std::string out;
  absl::StrAppend(&out, "Rules: ", absl::StrJoin(spec_->rule_ids, ", "), "\n");
  if (!spec_->hint.empty()) {
    absl::StrAppend(&out, "Hint: ", spec_->hint, "\n");
  }
  if (!message_.empty()) {
    absl::StrAppend(&out, "Failure: ", message_, "\n");
  }
  absl::StrAppend(&out, "Exchange (→ kit to function, ← function to kit):\n");
  for (const auto& line : transcript_) {
    absl::StrAppend(&out, line, "\n");
  }
  if (!extra_details_.empty()) {
    absl::StrAppend(&out, extra_details_, "\n");
  }
  return out;
}

}  // namespace cloudstate::tck
