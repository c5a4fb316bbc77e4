#include "cloudstate/tck/compare.h"

#include <algorithm>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"

#include "cloudstate/common/any.h"

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

// Prints Any payloads expanded when their type is known to this binary, primitive
// (p.cloudstate.io) values as their value, and anything else as type URL plus escaped bytes; this
// never logs "proto type not found" warnings.
class AnyPrinter : public google::protobuf::TextFormat::MessagePrinter {
 public:
  void Print(const Message& message, bool single_line_mode,
             google::protobuf::TextFormat::BaseTextGenerator* generator) const override {
    google::protobuf::Any any;
    any.ParseFromString(message.SerializeAsString());
    std::string text = Describe(any);
    generator->PrintString(single_line_mode ? text + " " : text + "\n");
  }

  static std::string Describe(const google::protobuf::Any& any) {
    std::string url = absl::StrCat("[", any.type_url(), "] ");
    if (auto s = PrimitiveString(any)) {
      return absl::StrCat(url, "\"", absl::CEscape(Truncate(*s)), "\"");
    }
    std::string name(MessageNameOfTypeUrl(any.type_url()));
    const google::protobuf::Descriptor* descriptor =
        name.empty()
            ? nullptr
            : google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
    if (descriptor != nullptr) {
      std::unique_ptr<Message> payload(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
      if (payload->ParseFromString(any.value())) {
        return absl::StrCat(url, "{ ", PrintInner(*payload), "}");
      }
    }
    return absl::StrCat("type_url: \"", absl::CEscape(any.type_url()), "\" value: \"",
                        absl::CEscape(Truncate(any.value())), "\"");
  }

  static std::string Truncate(const std::string& s) {
    return s.size() > 160 ? absl::StrCat(s.substr(0, 160), "...(", s.size(), " bytes)") : s;
  }

  static std::string PrintInner(const Message& message);
};

void Configure(google::protobuf::TextFormat::Printer* printer, bool single_line) {
  printer->SetSingleLineMode(single_line);
  printer->SetTruncateStringFieldLongerThan(160);
  printer->RegisterMessagePrinter(google::protobuf::Any::descriptor(), new AnyPrinter());
}

std::string AnyPrinter::PrintInner(const Message& message) {
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  Configure(&printer, true);
  printer.PrintToString(message, &out);
  return out;
}

std::string Print(const Message& message, bool single_line) {
  std::string out;
  if (message.GetDescriptor() == google::protobuf::Any::descriptor()) {
    google::protobuf::Any any;
    any.CopyFrom(message);
    return AnyPrinter::Describe(any);
  }
  google::protobuf::TextFormat::Printer printer;
  Configure(&printer, single_line);
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
  std::stable_sort(
      entries->begin(), entries->end(),
      [](const cloudstate::crdt::ORMapEntryDelta& a, const cloudstate::crdt::ORMapEntryDelta& b) {
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
    report += absl::StrCat(
        "  expected bytes: ", absl::BytesToHexString(Serialize(*e)).substr(0, 400),
        "\n  actual bytes:   ", absl::BytesToHexString(Serialize(*a)).substr(0, 400), "\n");
  }
  // The differencer reports "added"/"deleted" relative to the first (expected) message.
  result.diff = absl::StrCat(
      "(\"added\" = only in the actual message, \"deleted\" = missing from it)\n", report);
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

void StripActionMetadata(google::protobuf::Message* action_message) {
  if (auto* command = dynamic_cast<cloudstate::action::ActionCommand*>(action_message)) {
    command->clear_metadata();
    return;
  }
  auto* response = dynamic_cast<cloudstate::action::ActionResponse*>(action_message);
  if (response == nullptr) {
    return;
  }
  if (response->has_reply()) {
    response->mutable_reply()->clear_metadata();
  }
  if (response->has_forward()) {
    response->mutable_forward()->clear_metadata();
  }
  for (auto& effect : *response->mutable_side_effects()) {
    effect.clear_metadata();
  }
}

CompareOptions IgnoringActionMetadata() {
  return CompareOptions{.normalize = &StripActionMetadata};
}

}  // namespace cloudstate::tck
