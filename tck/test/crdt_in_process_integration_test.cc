// The SDK suite's CRDT cases, run in this process by the engine's pipeline against the reference
// function's CRDT models on the SDK's sans-IO CrdtStreamCore: no gRPC, no second process. The
// cases are the kit's own (the ported catalogue C3-C82 and the newer CRDT cases), not a copy; every
// CRDT model fault must make at least one of them fail.
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "../../reference-function/src/crdt_model.h"  // the models' registrations (private)
#include "../../reference-function/src/fault_names.h"
#include "cloudstate/sdk/crdt_stream_core.h"
#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/engine.h"
#include "cloudstate/tck/runner.h"
#include "cloudstate/tck/scenario.h"
#include "cloudstate/tck/stream_transport.h"

namespace cloudstate::tck {
namespace {

namespace rf = ::cloudstate::reference_function;
using reports::Outcome;

inline constexpr char kCrdtHandle[] = "/cloudstate.crdt.Crdt/handle";

std::string StatusText(const absl::Status& status) {
  if (status.ok()) {
    return "OK";
  }
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

// One CRDT stream carried to a CrdtStreamCore: each frame the kit writes is handed to the core at
// once, and what the core answers is queued for the kit, as the SDK's gRPC reactor does.
class CrdtCoreTransport final : public StreamTransport {
 public:
  explicit CrdtCoreTransport(const std::vector<sdk::CrdtEntityRegistration>* registrations)
      : core_([registrations](std::string_view name) -> const sdk::CrdtEntityRegistration* {
          for (const auto& r : *registrations) {
            if (r.options.service->full_name() == name) {
              return &r;
            }
          }
          return nullptr;
        }) {}

  bool Write(const std::string& bytes) override {
    if (inbound_.ended()) {
      return false;
    }
    cloudstate::crdt::CrdtStreamIn in;
    if (!in.ParseFromString(bytes)) {
      End(false, "INVALID_ARGUMENT: the message does not parse");
      return true;
    }
    Apply(core_.OnMessage(in));
    return true;
  }
  void WritesDone() override {
    if (!inbound_.ended()) {
      Apply(core_.OnInputEnd());
    }
  }
  void Cancel() override { End(false, "CANCELLED: Cancelled"); }
  Arrival Wait(std::chrono::milliseconds timeout, std::string* bytes) override {
    return inbound_.Wait(timeout, bytes);
  }
  bool ReadDone() override { return inbound_.ended(); }
  const EndStatus& Finish(std::chrono::milliseconds grace) override {
    if (!inbound_.WaitForEnd(grace)) {
      End(false, "CANCELLED: Cancelled");
    }
    return end_;
  }

 private:
  void Apply(const sdk::StreamStep<cloudstate::crdt::CrdtStreamOut>& step) {
    for (const auto& out : step.messages) {
      inbound_.Push(out.SerializeAsString());
    }
    if (step.finish) {
      End(step.status.ok(), StatusText(step.status));
    }
  }
  void End(bool ok, std::string text) {
    if (!inbound_.ended()) {
      end_ = EndStatus{.ok = ok, .text = std::move(text)};
      inbound_.End();
    }
  }

  sdk::CrdtStreamCore core_;
  InboundFrames inbound_;
  EndStatus end_;
};

// Any other method: the call ends at once, as an unknown method does.
class UnimplementedTransport final : public StreamTransport {
 public:
  bool Write(const std::string& /*bytes*/) override { return false; }
  void WritesDone() override {}
  void Cancel() override {}
  Arrival Wait(std::chrono::milliseconds /*timeout*/, std::string* /*bytes*/) override {
    return Arrival::kEnded;
  }
  bool ReadDone() override { return true; }
  const EndStatus& Finish(std::chrono::milliseconds /*grace*/) override { return end_; }

 private:
  EndStatus end_{.ok = false, .text = "UNIMPLEMENTED: not served in process"};
};

// The CRDT models of the reference function (with `faults`) as the pipeline's target.
class InProcessCrdtTarget final : public Target {
 public:
  explicit InProcessCrdtTarget(const rf::Faults& faults)
      : registrations_(rf::CrdtModelRegistrations(faults)) {
    sdk::Server server;
    rf::RegisterCrdtModels(server, faults);
    spec_ = server.BuildSpec();
  }

  void Configure(std::map<std::string, std::string>& configuration) const override {
    configuration["target"] = "in-process CRDT models";
  }
  absl::Status Start(size_t /*selected*/, reports::RunResults& /*results*/,
                     std::ostream& /*out*/) override {
    if (!spec_.ok()) {
      return spec_.status();
    }
    discovery_ = AnalyzeDiscovery(KitProxyInfo(), *spec_);
    return absl::OkStatus();
  }
  std::string Gate(const CaseSpec& spec) const override {
    for (const auto& service : spec.services) {
      if (!discovery_->Declares(service)) {
        return kSkipNotImplemented;
      }
    }
    return "";
  }
  std::optional<TargetDeath> Execute(const CaseSpec& c, size_t /*index*/, reports::CaseResult& r,
                                     std::string& /*note*/) override {
    StreamOpener opener = [this](const std::string& method) -> std::unique_ptr<StreamTransport> {
      if (method == kCrdtHandle) {
        return std::make_unique<CrdtCoreTransport>(&registrations_);
      }
      return std::make_unique<UnimplementedTransport>();
    };
    CaseContext ctx(&c, opener, nullptr, discovery_.get(), Timing::Scaled(1), "inproc");
    c.body(ctx);
    r.outcome = ctx.failed() ? Outcome::kFailed : Outcome::kPassed;
    r.message = ctx.message();
    if (ctx.failed()) {
      r.details = ctx.Details();
    }
    return std::nullopt;
  }
  void Stop(reports::RunResults& /*results*/) override {}

 private:
  std::vector<sdk::CrdtEntityRegistration> registrations_;
  absl::StatusOr<cloudstate::EntitySpec> spec_;
  std::unique_ptr<DiscoveryInfo> discovery_;
};

RunOutcome RunCrdtCases(const rf::Faults& faults, std::string* log) {
  InProcessCrdtTarget target(faults);
  std::ostringstream out;
  RunOutcome outcome = RunPipeline(
      Suite::kFunction, target,
      PipelineOptions{.filters = {"crdt.*"}, .verbose = true, .area_summary = false}, out);
  *log = out.str();
  return outcome;
}

TEST(CrdtInProcessTest, EveryCrdtCasePassesAgainstTheModelsInProcess) {
  std::string log;
  RunOutcome outcome = RunCrdtCases(rf::Faults(), &log);
  size_t crdt_cases = 0;
  for (const CaseSpec* c : CaseRegistry::Global().Sorted(Suite::kFunction)) {
    crdt_cases += c->name.rfind("crdt.", 0) == 0 ? 1 : 0;
  }
  ASSERT_EQ(outcome.results.cases.size(), crdt_cases) << log;
  int passed = 0;
  for (const auto& c : outcome.results.cases) {
    EXPECT_NE(c.outcome, Outcome::kFailed) << c.name << ": " << c.message << "\n" << c.details;
    passed += c.outcome == Outcome::kPassed ? 1 : 0;
  }
  EXPECT_GT(passed, 80) << log;
  std::cout << "in process: " << ClosingLine(outcome.results) << "\n";
  EXPECT_EQ(outcome.exit_code, kExitPassed) << log;
}

// The CRDT model faults (those of the models' registrations): each breaks at least one case.
TEST(CrdtInProcessTest, EveryCrdtModelFaultFailsACase) {
  for (const char* fault :
       {rf::fault::kCrdtDeltaLost, rf::fault::kCrdtORSetRemoveWins, rf::fault::kCrdtLwwClockIgnored,
        rf::fault::kCrdtGCounterNotAggregated, rf::fault::kCrdtFlagDeltaAlways,
        rf::fault::kCrdtVoteFullDelta, rf::fault::kCrdtWriteConsistencyDropped,
        rf::fault::kCrdtStreamCancelIgnored, rf::fault::kCrdtDeleteNotSent,
        rf::fault::kCrdtReplicatedDeltaIgnored, rf::fault::kCrdtStreamNotEnded}) {
    rf::Faults faults;
    faults.Enable(fault);
    std::string log;
    RunOutcome outcome = RunCrdtCases(faults, &log);
    std::vector<std::string> failed;
    for (const auto& c : outcome.results.cases) {
      if (c.outcome == Outcome::kFailed) {
        failed.push_back(c.name);
      }
    }
    EXPECT_FALSE(failed.empty()) << fault << " made no CRDT case fail";
  }
}

}  // namespace
}  // namespace cloudstate::tck
