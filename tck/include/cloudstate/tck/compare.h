#pragma once
// Exact protobuf comparison as the original TCK did it (generated-code equality):
//  * presence-aware: an absent sub-message differs from a present empty one;
//  * google.protobuf.Any compared by type URL and value bytes (a field-level diff of the unpacked
//    payloads is shown to help, but equality is decided on the bytes);
//  * repeated fields are ordered, except where a case passes a normalization (the CRDT "sorted"
//    deltas of the original TCK, see SortCrdtDeltas).
//
//   CompareResult r = CompareMessages(expected, actual);
//   if (!r.equal) std::cout << r.diff;

#include <functional>
#include <string>

#include "google/protobuf/message.h"

namespace cloudstate::crdt {
class CrdtStreamOut;
class CrdtDelta;
}  // namespace cloudstate::crdt

namespace cloudstate::tck {

struct CompareOptions {
  // Applied to copies of both the expected and the actual message before comparing.
  std::function<void(google::protobuf::Message*)> normalize;
};

struct CompareResult {
  bool equal = true;
  std::string diff;  // field-level differences, one per line ("" when equal)
};

CompareResult CompareMessages(const google::protobuf::Message& expected,
                              const google::protobuf::Message& actual,
                              const CompareOptions& options = {});

// One-line text format with Any payloads expanded (the transcript format).
std::string ShortText(const google::protobuf::Message& message);
// Multi-line text format with Any payloads expanded.
std::string LongText(const google::protobuf::Message& message);

// The order-insensitive CRDT delta comparison of the original TCK ("Delta.sorted"): sorts
// GSetDelta.added, ORSetDelta.removed/added and ORMapDelta.removed/updated/added by the string
// value of the element or key (p.cloudstate.io/string, else the raw bytes), recursively into nested
// map deltas. Applied to CrdtReply.state_action only; other messages are left unchanged.
void SortCrdtDelta(cloudstate::crdt::CrdtDelta* delta);
void SortCrdtDeltas(google::protobuf::Message* crdt_stream_out);

// CompareOptions with SortCrdtDeltas as normalization.
CompareOptions SortedCrdtDeltas();

// Clears the metadata of an ActionCommand, or of an ActionResponse's reply, forward and side
// effects, as the original TCK does when comparing action messages: metadata is transport-defined
// (PROT-004) and not part of the model's expected exchange. Other messages are left unchanged.
void StripActionMetadata(google::protobuf::Message* action_message);
CompareOptions IgnoringActionMetadata();

}  // namespace cloudstate::tck
