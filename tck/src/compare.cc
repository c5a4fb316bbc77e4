#include "cloudstate/tck/compare.h"

#include <algorithm>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "cloudstate/common/any.h"
#include "cloudstate/crdt.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"

namespace cloudstate::tck {

namespace {

using google::protobuf::Message;

std::string Serialize(const Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string Print(const Message& message, bool single_line) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(single_line);
  printer.SetExpandAny(true);
  printer.SetTruncateStringFieldLongerThan(160);
  std::string out;
  printer.PrintToString(message, &out);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) {
    out.pop_back();
  }
  return out;
}

std::string SortKey(const google::protobuf::Any& any) {
  if (auto s = PrimitiveString(any)) {
    return *s;
  }
  return any.value();
}

void SortAnys(google::protobuf::RepeatedPtrField<google::protobuf::Any>* anys) {
  std::stable_sort(anys->begin(), anys->end(),
                   [](const google::protobuf::Any& a, const google::protobuf::Any& b) {
                     return SortKey(a) < SortKey(b);
                   });
}

void SortEntries(google::protobuf::RepeatedPtrField<cloudstate::crdt::ORMapEntryDelta>* entries) {
  for (auto& entry : *entries) {
    if (entry.has_delta()) {
      SortCrdtDelta(entry.mutable_delta());
    }
  }
  std::stable_sort(entries->begin(), entries->end(),
                   [](const cloudstate::crdt::ORMapEntryDelta& a,
                      const cloudstate::crdt::ORMapEntryDelta& b) {
                     return SortKey(a.key()) < SortKey(b.key());
                   });
}

}  // namespace

CompareResult CompareMessages(const Message& expected, const Message& actual,
                              const CompareOptions& options) {
  const Message* e = &expected;
  const Message* a = &actual;
  std::unique_ptr<Message> e_copy;
  std::unique_ptr<Message> a_copy;
  if (options.normalize) {
    e_copy.reset(expected.New());
    e_copy->CopyFrom(expected);
    options.normalize(e_copy.get());
    a_copy.reset(actual.New());
    a_copy->CopyFrom(actual);
    options.normalize(a_copy.get());
    e = e_copy.get();
    a = a_copy.get();
  }
  CompareResult result;
  if (e->GetDescriptor() != a->GetDescriptor()) {
    result.equal = false;
    result.diff = absl::StrCat("message types differ: expected ", e->GetTypeName(), ", got ",
                               a->GetTypeName());
    return result;
  }
  // Equality is decided on the canonical bytes: this is presence-aware, order-sensitive and
  // compares Any type URLs and payload bytes exactly (including unknown fields).
  if (Serialize(*e) == Serialize(*a)) {
    return result;
  }
  result.equal = false;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_scope(google::protobuf::util::MessageDifferencer::FULL);
  std::string report;
  differencer.ReportDifferencesToString(&report);
  differencer.Compare(*e, *a);
  if (report.empty()) {
    report =
        "the messages print alike but their bytes differ (an Any payload is not canonically "
        "encoded, or unknown fields are present)\n";
    report += absl::StrCat("  expected bytes: ", absl::BytesToHexString(Serialize(*e)).substr(0, 400),
                           "\n  actual bytes:   ",
                           absl::BytesToHexString(Serialize(*a)).substr(0, 400), "\n");
  }
  // The differencer reports "added"/"deleted" relative to the first (expected) message.
  result.diff = absl::StrCat("(\"added\" = only in the actual message, \"deleted\" = missing from it)\n",
                             report);
  return result;
}

std::string ShortText(const Message& message) { return Print(message, true); }
std::string LongText(const Message& message) { return Print(message, false); }

void SortCrdtDelta(cloudstate::crdt::CrdtDelta* delta) {
  if (delta->has_gset()) {
    SortAnys(delta->mutable_gset()->mutable_added());
  } else if (delta->has_orset()) {
    SortAnys(delta->mutable_orset()->mutable_removed());
    SortAnys(delta->mutable_orset()->mutable_added());
  } else if (delta->has_ormap()) {
    SortAnys(delta->mutable_ormap()->mutable_removed());
    SortEntries(delta->mutable_ormap()->mutable_updated());
    SortEntries(delta->mutable_ormap()->mutable_added());
  }
}

void SortCrdtDeltas(Message* message) {
  auto* out = dynamic_cast<cloudstate::crdt::CrdtStreamOut*>(message);
  if (out == nullptr || !out->has_reply() || !out->reply().has_state_action() ||
      !out->reply().state_action().has_update()) {
    return;
  }
  SortCrdtDelta(out->mutable_reply()->mutable_state_action()->mutable_update());
}

CompareOptions SortedCrdtDeltas() { return CompareOptions{.normalize = &SortCrdtDeltas}; }

}  // namespace cloudstate::tck
