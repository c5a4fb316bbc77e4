#include "cloudstate/model_checker/sdk_target.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/tck/model/valueentity.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/model_checker/cli.h"
#include "cloudstate/model_checker/report.h"
#include "entity_streams.h"
#include "sdk_property.h"

#if CS_MC_HAVE_RAPIDCHECK
#include "rapidcheck.h"
#include "rapidcheck/state.h"
#endif

namespace cloudstate::model_checker {

std::string SdkReplayCommand(const SdkTargetOptions& options, uint64_t seed) {
  return absl::StrCat("cloudstate-model-checker sdk --function ", options.function,
                      options.entity == "value-entity" ? "" : " --entity " + options.entity,
                      " --seed ", seed, " --tests ", options.tests, " --max-size ",
                      options.max_size, " --entities ", options.entities, " --timeout ",
                      options.timeout_seconds);
}

#if CS_MC_HAVE_RAPIDCHECK
namespace {

namespace ve = cloudstate::valueentity;
namespace tckve = cloudstate::tck::model::valueentity;

constexpr char kService[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";

// One action of a ValueEntityTckModel command: update to a value, or delete (nullopt).
using Action = std::optional<std::string>;

// What the sequential model knows: the state of every entity and which streams are open.
struct Model {
  std::map<std::string, std::optional<std::string>> state{};
  std::set<std::string> open{};
};

// The system under test as the checker sees it while playing the proxy: the function's streams
// and the journal (what a proxy would have persisted from the state actions).
class Target {
 public:
  Target(const std::shared_ptr<grpc::Channel>& channel, std::string run_prefix,
         double timeout_seconds)
      : streams_(channel, std::move(run_prefix), timeout_seconds) {}

  // Sends a command with `actions` to `entity` (opening its stream with the journalled state
  // first when needed) and returns the function's answer, or a description of what went wrong.
  ve::ValueEntityStreamOut Call(const std::string& entity, const std::vector<Action>& actions,
                                int64_t* command_id) {
    Streams::Stream& stream = Open(entity);
    tckve::Request request;
    request.set_id(streams_.WireId(entity));
    for (const Action& action : actions) {
      if (action.has_value()) {
        request.add_actions()->mutable_update()->set_value(*action);
      } else {
        request.add_actions()->mutable_delete_();
      }
    }
    ve::ValueEntityStreamIn in;
    Command* command = in.mutable_command();
    command->set_entity_id(streams_.WireId(entity));
    command->set_id(stream.next_command_id++);
    command->set_name("Process");
    *command->mutable_payload() = PackAny(request);
    *command_id = command->id();
    return streams_.Exchange(entity, stream, in);
  }

  // Applies a state action to the journal.
  void Journal(const std::string& entity, const ve::ValueEntityAction& action) {
    if (action.has_update()) {
      journal_[entity] = action.update().value();
    } else if (action.has_delete_()) {
      journal_.erase(entity);
    }
  }

  // Ends the entity's stream the way a proxy does on passivation (half-close, then the end).
  void Restart(const std::string& entity) { streams_.Restart(entity); }

 private:
  using Streams = EntityStreams<ve::ValueEntity, ve::ValueEntityStreamIn, ve::ValueEntityStreamOut>;

  Streams::Stream& Open(const std::string& entity) {
    if (Streams::Stream* open = streams_.Find(entity)) {
      return *open;
    }
    ve::ValueEntityStreamIn in;
    ve::ValueEntityInit* init = in.mutable_init();
    init->set_service_name(kService);
    init->set_entity_id(streams_.WireId(entity));
    if (auto j = journal_.find(entity); j != journal_.end()) {
      *init->mutable_state()->mutable_value() = j->second;
    }
    return streams_.Open(entity, {in});
  }

  Streams streams_;
  std::map<std::string, google::protobuf::Any> journal_;
};

std::string ShowValue(const std::optional<std::string>& value) {
  return value.has_value() ? absl::StrCat("\"", *value, "\"") : "(none)";
}

struct ProcessCommand : rc::state::Command<Model, Target> {
  std::string entity;
  std::vector<Action> actions;

  explicit ProcessCommand(const std::vector<std::string>& entities)
      : entity(*rc::gen::elementOf(entities)),
        actions(*rc::gen::container<std::vector<Action>>(
            *rc::gen::elementOf(std::vector<int>{0, 1, 1, 2, 2, 3}),
            rc::gen::weightedOneOf<Action>(
                {{3, rc::gen::map(rc::gen::elementOf(std::vector<std::string>{"a", "b", "c", ""}),
                                  [](std::string v) { return Action(std::move(v)); })},
                 {1, rc::gen::just(Action())}}))) {}

  std::optional<std::string> After(const Model& model) const {
    auto it = model.state.find(entity);
    std::optional<std::string> value = it == model.state.end() ? std::nullopt : it->second;
    for (const Action& action : actions) {
      value = action;
    }
    return value;
  }

  void apply(Model& model) const override {
    model.state[entity] = After(model);
    model.open.insert(entity);
  }

  void run(const Model& model, Target& target) const override {
    const std::optional<std::string> expected = After(model);
    int64_t command_id = 0;
    ve::ValueEntityStreamOut out = target.Call(entity, actions, &command_id);
    MC_FAIL_IF(out.has_failure(), "the function failed the stream: " + out.failure().description());
    MC_FAIL_IF(!out.has_reply(), "the function's answer is not a reply");
    const ve::ValueEntityReply& reply = out.reply();
    MC_FAIL_IF(reply.command_id() != command_id,
               absl::StrCat("reply to command ", reply.command_id(), ", expected ", command_id));
    MC_FAIL_IF(!reply.client_action().has_reply(),
               "the client action is not a reply: " + reply.client_action().ShortDebugString());
    tckve::Response response;
    MC_FAIL_IF(!UnpackAny(reply.client_action().reply().payload(), &response),
               "the reply payload is not a ValueEntityTckModel Response");
    MC_FAIL_IF(
        response.message() != expected.value_or(""),
        absl::StrCat(
            "reply \"", response.message(), "\", the model says ", ShowValue(expected),
            " (state before: ",
            ShowValue(model.state.contains(entity) ? model.state.at(entity) : std::nullopt), ")"));
    // Durability: a command that changed the state must journal its final state; any state
    // action must agree with the model.
    const ve::ValueEntityAction& action = reply.state_action();
    MC_FAIL_IF(!actions.empty() && !action.has_update() && !action.has_delete_(),
               "the state changed but the reply carries no state action");
    if (action.has_update()) {
      tckve::Persisted persisted;
      MC_FAIL_IF(!UnpackAny(action.update().value(), &persisted),
                 "the state update is not a Persisted");
      MC_FAIL_IF(!expected.has_value() || persisted.value() != *expected,
                 absl::StrCat("the state update journals \"", persisted.value(),
                              "\", the model says ", ShowValue(expected)));
    }
    MC_FAIL_IF(action.has_delete_() && expected.has_value(),
               "the state action deletes, the model says " + ShowValue(expected));
    target.Journal(entity, action);
  }

  void show(std::ostream& os) const override {
    os << "Process(" << entity << ", [";
    for (size_t i = 0; i < actions.size(); ++i) {
      os << (i > 0 ? ", " : "")
         << (actions[i].has_value() ? "update \"" + *actions[i] + "\"" : "delete");
    }
    os << "])";
  }
};

struct RestartCommand : rc::state::Command<Model, Target> {
  std::string entity;

  explicit RestartCommand(const Model& model)
      : entity(
            *rc::gen::elementOf(std::vector<std::string>(model.open.begin(), model.open.end()))) {}

  void checkPreconditions(const Model& model) const override {
    RC_PRE(model.open.contains(entity));
  }
  void apply(Model& model) const override { model.open.erase(entity); }
  void run(const Model& model, Target& target) const override { target.Restart(entity); }
  void show(std::ostream& os) const override {
    os << "Restart(" << entity << ")  // stream ended; the next command replays the journal";
  }
};

}  // namespace

int RunSdkProperty(const SdkTargetOptions& options, uint64_t seed, const SdkCase& sdk_case,
                   const std::function<void()>& property) {
  std::cout << "sdk target: " << sdk_case.service << " at " << options.function << ", seed " << seed
            << ", " << options.tests << " sequences\n";
  std::cout.flush();
  // RapidCheck reads RC_PARAMS once and prints it; make that agree with the seed used here.
  setenv("RC_PARAMS", absl::StrCat("seed=", seed).c_str(), 1);
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = options.tests;
  params.maxSize = options.max_size;
  rc::detail::TestMetadata metadata;
  metadata.id = sdk_case.name;
  metadata.description = sdk_case.description;
  const auto start = std::chrono::steady_clock::now();
  // The explicit parameters keep the run independent of RC_PARAMS, so that --seed alone replays
  // it.
  const rc::detail::TestResult result = rc::detail::checkTestable(property, metadata, params);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rc::detail::printResultMessage(result, std::cout);
  std::cout << "\n";
  rc::detail::FailureResult failure;
  const bool failed = result.match(failure);
  const bool passed = result.is<rc::detail::SuccessResult>();
  if (!passed) {
    std::cout << "seed: " << seed << "\nreplay: " << SdkReplayCommand(options, seed) << "\n";
  }
  if (!options.reports_dir.empty()) {
    reports::RunResults run;
    run.kit_name = kKitName;
    run.kit_version = CS_KIT_VERSION;
    run.configuration["seed"] = absl::StrCat(seed);
    run.replay = {.seed = seed, .command = SdkReplayCommand(options, seed)};
    run.configuration["function"] = options.function;
    run.sut.address = options.function;
    run.duration_seconds = seconds;
    reports::CaseResult c;
    c.name = sdk_case.name;
    c.area = sdk_case.area;
    c.description = sdk_case.description;
    c.duration_seconds = seconds;
    c.outcome = passed ? reports::Outcome::kPassed : reports::Outcome::kFailed;
    if (!passed) {
      std::ostringstream details;
      rc::detail::printResultMessage(result, details);
      c.message = failed ? failure.description : "the property could not be checked";
      c.details = absl::StrCat(details.str(), "\nreplay: ", SdkReplayCommand(options, seed));
    }
    run.cases.push_back(std::move(c));
    absl::Status status = WriteCiReports(run, options.reports_dir);
    if (!status.ok()) {
      std::cout << "error: " << status.message() << "\n";
      return kExitError;
    }
  }
  if (passed) {
    return kExitOk;
  }
  return failed ? kExitViolation : kExitError;
}

int RunValueEntityTarget(const SdkTargetOptions& options,
                         const std::shared_ptr<grpc::Channel>& channel, uint64_t seed) {
  std::vector<std::string> entities;
  entities.reserve(options.entities);
  for (int i = 0; i < options.entities; ++i) {
    entities.push_back(absl::StrCat("e", i));
  }
  int sequence = 0;
  return RunSdkProperty(
      options, seed,
      {.name = "sdk[valueentity.ValueEntityTckModel]",
       .area = "valueentity",
       .service = kService,
       .description = "value entity TCK model conforms to the sequential model"},
      [&] {
        Model model;
        Target target(channel, absl::StrCat("mc", seed % 100000, "-", sequence++),
                      options.timeout_seconds);
        rc::state::check(model, target, [&](const Model& m) {
          using CommandPtr = std::shared_ptr<const rc::state::Command<Model, Target>>;
          auto process =
              rc::gen::exec([&] { return CommandPtr(std::make_shared<ProcessCommand>(entities)); });
          if (m.open.empty()) {
            return process;
          }
          auto restart =
              rc::gen::exec([m] { return CommandPtr(std::make_shared<RestartCommand>(m)); });
          return rc::gen::weightedOneOf<CommandPtr>({{4, process}, {1, restart}});
        });
      });
}

int RunSdkTarget(const SdkTargetOptions& options) {
  if (options.entity != "value-entity" && options.entity != "shopping-cart") {
    std::cout << "error: unknown --entity " << options.entity
              << " (expected value-entity or shopping-cart)\n";
    return kExitError;
  }
  const uint64_t seed = options.seed.value_or(std::random_device{}() * uint64_t{0x100000001});
  auto channel = grpc::CreateChannel(options.function, grpc::InsecureChannelCredentials());
  const auto connect_deadline =
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  if (!channel->WaitForConnected(connect_deadline)) {
    std::cout << "error: cannot connect to the user function at " << options.function << "\n";
    return kExitError;
  }
  if (options.entity == "shopping-cart") {
    return RunShoppingCartTarget(options, channel, seed);
  }
  return RunValueEntityTarget(options, channel, seed);
}

#else

int RunSdkTarget(const SdkTargetOptions& options) {
  std::cout << "error: this build has no RapidCheck; the sdk target is not available\n";
  return kExitError;
}

#endif

}  // namespace cloudstate::model_checker
