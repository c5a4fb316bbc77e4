#pragma once
// Judging the reaction to an input no conforming proxy sends (level robustness, spec PROT-034):
// a stream-level failure, a failure of the command concerned, or the end of the call with a
// non-OK status are all orderly; so is ignoring an empty stream message when the stream keeps
// serving. A crash (the runner sees the process exit after the case), a hang (nothing within the
// window) or an answer as if the input were valid fail.

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"

#include "cloudstate/tck/scenario.h"

namespace cloudstate::tck::cases {

// What a message from the function is, as a reaction to an undefined input.
enum class Rejection {
  kNone,            // not a rejection: an answer as if the input were valid
  kStreamFailure,   // a stream-level failure (the stream is over)
  kCommandFailure,  // a failure of the command concerned (the stream goes on)
};

struct OrderlyOptions {
  // Whether silence is orderly (only for an empty stream message, which may be ignored).
  bool silence_ok = false;
  // Runs on the same stream after a command failure, or after silence when silence_ok: the
  // stream must still serve (and is ended by it).
  std::function<void()> still_serves;
};

// Waits for the function's reaction on `stream` and judges it. After a stream-level failure the
// kit half-closes the stream, as the original proxy does, and expects the call to end (any
// status): a function may wait for the half-close before completing.
template <typename In, typename Out>
void ExpectOrderlyReaction(CaseContext& ctx, Stream<In, Out>& stream,
                           const std::function<Rejection(const Out&)>& classify,
                           const OrderlyOptions& options = {}) {
  using Kind = typename Stream<In, Out>::ReactionKind;
  auto reaction = stream.AwaitReaction();
  if (ctx.failed()) {
    return;
  }
  switch (reaction.kind) {
    case Kind::kMessage: {
      switch (classify(*reaction.message)) {
        case Rejection::kNone:
          ctx.Fail(
              absl::StrCat("the function answered an input no conforming proxy sends as if "
                           "it were valid: ",
                           ShortText(*reaction.message)));
          return;
        case Rejection::kStreamFailure:
          ctx.Note("orderly reaction: a stream-level failure");
          stream.Close();
          stream.ExpectEnded();
          return;
        case Rejection::kCommandFailure:
          ctx.Note("orderly reaction: the command failed");
          if (options.still_serves) {
            options.still_serves();
          }
          return;
      }
      return;
    }
    case Kind::kEnded:
      if (reaction.status_ok) {
        ctx.Fail(
            "the function completed the call normally, as if the input were valid, without "
            "rejecting it");
        return;
      }
      // Orderly as long as the process lives: the runner checks that after the case.
      ctx.Note(absl::StrCat("orderly reaction: the call ended with ", reaction.status));
      return;
    case Kind::kSilent:
      if (!options.silence_ok) {
        ctx.Fail(
            absl::StrCat("no reaction within the window: the function neither answered nor "
                         "ended the call (a hang)"));
        return;
      }
      ctx.Note("orderly reaction: the message was ignored; the stream must still serve");
      if (options.still_serves) {
        options.still_serves();
      }
      return;
  }
}

}  // namespace cloudstate::tck::cases
