#pragma once
// Implementation detail of scenario.h: the type-erased stream core and the typed wrappers.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "google/protobuf/message.h"

#include "cloudstate/tck/compare.h"

namespace cloudstate::tck {

class CaseContext;

// One call to the function as the DSL sees it: typed expectations over a StreamTransport that
// carries serialized messages (stream_transport.h). Every method runs on the case's thread.
class StreamCore {
 public:
  enum class End { kOk, kAny, kError };

  virtual ~StreamCore() = default;
  // Returns false when the call has already ended; fails the case then unless `tolerate_ended`.
  virtual bool Send(CaseContext& ctx, const google::protobuf::Message& message,
                    bool tolerate_ended) = 0;
  // Returns the received message when it matched, nullptr otherwise (the case then failed).
  virtual std::unique_ptr<google::protobuf::Message> Expect(
      CaseContext& ctx, const google::protobuf::Message& expected,
      const CompareOptions& options) = 0;
  virtual std::unique_ptr<google::protobuf::Message> ExpectThat(
      CaseContext& ctx, std::string_view what,
      const std::function<std::string(const google::protobuf::Message&)>& check) = 0;
  // nullptr when nothing arrived (the case fails only if `required`).
  virtual std::unique_ptr<google::protobuf::Message> Receive(CaseContext& ctx, bool required) = 0;
  virtual void ExpectNothing(CaseContext& ctx) = 0;
  virtual void Close(CaseContext& ctx) = 0;
  virtual void ExpectEnd(CaseContext& ctx, End kind) = 0;
  virtual void Cancel(CaseContext& ctx) = 0;
  virtual const std::string& label() const = 0;

  // What happened next, whatever it is (never fails the case by itself).
  struct Reaction {
    enum class Kind { kMessage, kEnded, kSilent } kind = Kind::kSilent;
    std::unique_ptr<google::protobuf::Message> message;  // kMessage
    bool status_ok = false;                              // kEnded: the call's status was OK
    std::string status;                                  // kEnded: "UNKNOWN: ..." or "OK"
  };
  virtual Reaction Await(CaseContext& ctx) = 0;
};

template <typename In, typename Out>
Stream<In, Out>::~Stream() = default;

template <typename In, typename Out>
void Stream<In, Out>::Send(const In& message) {
  core_->Send(*ctx_, message, /*tolerate_ended=*/false);
}

template <typename In, typename Out>
bool Stream<In, Out>::SendIfOpen(const In& message) {
  return core_->Send(*ctx_, message, /*tolerate_ended=*/true);
}

template <typename In, typename Out>
void Stream<In, Out>::Expect(const Out& expected, const CompareOptions& options) {
  core_->Expect(*ctx_, expected, options);
}

template <typename In, typename Out>
std::optional<Out> Stream<In, Out>::ExpectThat(
    std::string_view what, const std::function<std::string(const Out&)>& check) {
  auto got = core_->ExpectThat(*ctx_, what, [&check](const google::protobuf::Message& m) {
    return check(static_cast<const Out&>(m));
  });
  if (got == nullptr) {
    return std::nullopt;
  }
  return std::optional<Out>(std::move(static_cast<Out&>(*got)));
}

template <typename In, typename Out>
std::optional<Out> Stream<In, Out>::Receive() {
  auto got = core_->Receive(*ctx_, /*required=*/true);
  if (got == nullptr) {
    return std::nullopt;
  }
  return std::optional<Out>(std::move(static_cast<Out&>(*got)));
}

template <typename In, typename Out>
std::optional<Out> Stream<In, Out>::TryReceive() {
  auto got = core_->Receive(*ctx_, /*required=*/false);
  if (got == nullptr) {
    return std::nullopt;
  }
  return std::optional<Out>(std::move(static_cast<Out&>(*got)));
}

template <typename In, typename Out>
void Stream<In, Out>::ExpectNothing() {
  core_->ExpectNothing(*ctx_);
}

template <typename In, typename Out>
void Stream<In, Out>::Close() {
  core_->Close(*ctx_);
}

template <typename In, typename Out>
void Stream<In, Out>::ExpectClosed() {
  core_->ExpectEnd(*ctx_, StreamCore::End::kOk);
}

template <typename In, typename Out>
void Stream<In, Out>::ExpectEnded() {
  core_->ExpectEnd(*ctx_, StreamCore::End::kAny);
}

template <typename In, typename Out>
void Stream<In, Out>::ExpectError() {
  core_->ExpectEnd(*ctx_, StreamCore::End::kError);
}

template <typename In, typename Out>
typename Stream<In, Out>::Reaction Stream<In, Out>::AwaitReaction() {
  StreamCore::Reaction r = core_->Await(*ctx_);
  Reaction out;
  out.kind = r.kind == StreamCore::Reaction::Kind::kMessage ? ReactionKind::kMessage
             : r.kind == StreamCore::Reaction::Kind::kEnded ? ReactionKind::kEnded
                                                            : ReactionKind::kSilent;
  if (r.message != nullptr) {
    out.message = std::move(static_cast<Out&>(*r.message));
  }
  out.status_ok = r.status_ok;
  out.status = std::move(r.status);
  return out;
}

template <typename In, typename Out>
void Stream<In, Out>::Cancel() {
  core_->Cancel(*ctx_);
}

template <typename In, typename Out>
const std::string& Stream<In, Out>::label() const {
  return core_->label();
}

}  // namespace cloudstate::tck
