// Compares the compiled descriptors of every .proto under proto/ with the hand-written golden wire
// tables in spec/wire/. The tables are the normative record of Cloudstate 0.2's wire facts, so any
// drift in our .proto files (a renumbered field, a renamed method, a lost oneof) fails here.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"
#include "cloudstate/entity.pb.h"
#include "cloudstate/entity_key.pb.h"
#include "cloudstate/event_sourced.pb.h"
#include "cloudstate/eventing.pb.h"
#include "cloudstate/legacy_entity_key.pb.h"
#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "cloudstate/tck/model/eventlogeventing.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"
#include "cloudstate/value_entity.pb.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcd/mvccpb/kv.pb.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/api/httpbody.pb.h"
#include "shoppingcart/persistence/domain.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

using RowSet = std::set<std::string>;

constexpr int kColumns = 6;

// The generated library is static: a file's object code (and with it the file's registration in
// the generated pool) is only linked if something references it. Touching one symbol per file
// keeps every file in the binary, and gives us the list of files the test expects.
// Extension-only files have no message class to ask; using the extension identifier links the
// file, and the pool then finds it by name.
const FileDescriptor* FileOfExtension(const char* full_name, int number) {
  const FieldDescriptor* ext =
      google::protobuf::DescriptorPool::generated_pool()->FindExtensionByName(full_name);
  EXPECT_NE(ext, nullptr) << full_name << " (number " << number << ") not in the generated pool";
  return ext != nullptr ? ext->file() : nullptr;
}

std::vector<const FileDescriptor*> LinkedFiles() {
  return {
      cloudstate::Metadata::descriptor()->file(),
      cloudstate::eventsourced::EventSourcedInit::descriptor()->file(),
      cloudstate::valueentity::ValueEntityInit::descriptor()->file(),
      cloudstate::crdt::CrdtDelta::descriptor()->file(),
      cloudstate::action::ActionCommand::descriptor()->file(),
      cloudstate::Eventing::descriptor()->file(),
      FileOfExtension("cloudstate.entity_key", cloudstate::entity_key.number()),
      FileOfExtension("cloudstate.legacy_entity_key", cloudstate::legacy_entity_key.number()),
      FileOfExtension("google.api.http", google::api::http.number()),
      google::api::HttpRule::descriptor()->file(),
      google::api::HttpBody::descriptor()->file(),
      cloudstate::tck::model::action::Request::descriptor()->file(),
      cloudstate::tck::model::valueentity::Request::descriptor()->file(),
      cloudstate::tck::model::Request::descriptor()->file(),
      cloudstate::tck::model::crdt::Request::descriptor()->file(),
      cloudstate::tck::model::eventlogeventing::EmitEventRequest::descriptor()->file(),
      com::example::shoppingcart::AddLineItem::descriptor()->file(),
      com::example::shoppingcart::persistence::ItemAdded::descriptor()->file(),
      etcdserverpb::TxnRequest::descriptor()->file(),
      mvccpb::KeyValue::descriptor()->file(),
  };
}

std::string Row(const std::vector<std::string>& cells) {
  std::string out;
  for (int i = 0; i < kColumns; ++i) {
    if (i > 0) {
      out += '\t';
    }
    if (i < static_cast<int>(cells.size())) {
      out += cells[i];
    }
  }
  return out;
}

std::string FieldType(const FieldDescriptor* field) {
  if (field->message_type() != nullptr) {
    return field->message_type()->full_name();
  }
  if (field->enum_type() != nullptr) {
    return field->enum_type()->full_name();
  }
  return FieldDescriptor::TypeName(field->type());
}

std::string FieldLabel(const FieldDescriptor* field) {
  switch (field->label()) {
    case FieldDescriptor::LABEL_REPEATED:
      return "repeated";
    case FieldDescriptor::LABEL_REQUIRED:
      return "required";
    default:
      return "optional";
  }
}

void AddEnum(const EnumDescriptor* e, RowSet& rows) {
  rows.insert(Row({"enum", e->full_name()}));
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* v = e->value(i);
    rows.insert(Row({"enum_value", e->full_name() + "." + v->name(), std::to_string(v->number())}));
  }
}

void AddExtension(const FieldDescriptor* ext, RowSet& rows) {
  rows.insert(Row({"extension", ext->full_name(), std::to_string(ext->number()), FieldType(ext),
                   FieldLabel(ext), ext->containing_type()->full_name()}));
}

void AddMessage(const Descriptor* m, RowSet& rows) {
  rows.insert(Row({"message", m->full_name()}));
  for (int i = 0; i < m->field_count(); ++i) {
    const auto* f = m->field(i);
    const auto* oneof = f->containing_oneof();
    rows.insert(Row({"field", f->full_name(), std::to_string(f->number()), FieldType(f),
                     FieldLabel(f), oneof != nullptr ? oneof->name() : ""}));
  }
  for (int i = 0; i < m->nested_type_count(); ++i) {
    AddMessage(m->nested_type(i), rows);
  }
  for (int i = 0; i < m->enum_type_count(); ++i) {
    AddEnum(m->enum_type(i), rows);
  }
  for (int i = 0; i < m->extension_count(); ++i) {
    AddExtension(m->extension(i), rows);
  }
}

std::string MethodShape(const MethodDescriptor* m) {
  std::string in = (m->client_streaming() ? "stream " : "") + m->input_type()->full_name();
  std::string out = (m->server_streaming() ? "stream " : "") + m->output_type()->full_name();
  return in + " -> " + out;
}

std::string MethodKind(const MethodDescriptor* m) {
  if (m->client_streaming() && m->server_streaming()) {
    return "bidi_streaming";
  }
  if (m->client_streaming()) {
    return "client_streaming";
  }
  if (m->server_streaming()) {
    return "server_streaming";
  }
  return "unary";
}

RowSet RowsOf(const FileDescriptor* file) {
  RowSet rows;
  for (int i = 0; i < file->message_type_count(); ++i) {
    AddMessage(file->message_type(i), rows);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) {
    AddEnum(file->enum_type(i), rows);
  }
  for (int i = 0; i < file->extension_count(); ++i) {
    AddExtension(file->extension(i), rows);
  }
  for (int i = 0; i < file->service_count(); ++i) {
    const ServiceDescriptor* s = file->service(i);
    rows.insert(Row({"service", s->full_name()}));
    for (int j = 0; j < s->method_count(); ++j) {
      const auto* m = s->method(j);
      rows.insert(Row({"method", m->full_name(), "", MethodShape(m), MethodKind(m)}));
    }
  }
  return rows;
}

struct GoldenTable {
  std::string table_path;
  RowSet rows;
};

// Reads every spec/wire/*.tsv. Each starts with "# file: <proto path>", then a header row, then
// one row per element; see spec/wire/README.md.
std::map<std::string, GoldenTable> LoadGolden(std::string& errors) {
  std::map<std::string, GoldenTable> by_file;
  const fs::path dir = fs::path(CS_SOURCE_DIR) / "spec" / "wire";
  std::vector<fs::path> tables;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".tsv") {
      tables.push_back(entry.path());
    }
  }
  std::sort(tables.begin(), tables.end());
  for (const auto& path : tables) {
    std::ifstream in(path);
    std::string line;
    std::string proto_file;
    int line_no = 0;
    GoldenTable table{path.filename().string(), {}};
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty()) {
        continue;
      }
      if (line.rfind("# file: ", 0) == 0) {
        proto_file = line.substr(8);
        continue;
      }
      if (line[0] == '#' || line.rfind("kind\t", 0) == 0) {
        continue;
      }
      std::vector<std::string> cells;
      std::stringstream ss(line);
      std::string cell;
      while (std::getline(ss, cell, '\t')) {
        cells.push_back(cell);
      }
      if (cells.size() > kColumns || cells.size() < 2) {
        errors += path.filename().string() + ":" + std::to_string(line_no) +
                  ": expected 2..6 tab-separated columns\n";
        continue;
      }
      if (!table.rows.insert(Row(cells)).second) {
        errors += path.filename().string() + ":" + std::to_string(line_no) + ": duplicate row\n";
      }
    }
    if (proto_file.empty()) {
      errors += path.filename().string() + ": missing '# file: <path>' line\n";
      continue;
    }
    if (by_file.count(proto_file) != 0) {
      errors += path.filename().string() + ": second table for " + proto_file + "\n";
      continue;
    }
    by_file[proto_file] = std::move(table);
  }
  return by_file;
}

std::string Diff(const std::string& label, const RowSet& golden, const RowSet& actual) {
  std::string out;
  for (const auto& row : golden) {
    if (actual.count(row) == 0) {
      out += "  missing from " + label + " (in golden table): " + row + "\n";
    }
  }
  for (const auto& row : actual) {
    if (golden.count(row) == 0) {
      out += "  extra in " + label + " (not in golden table): " + row + "\n";
    }
  }
  return out;
}

TEST(WireTest, GoldenTablesMatchCompiledDescriptors) {
  std::string errors;
  auto golden = LoadGolden(errors);
  ASSERT_FALSE(golden.empty()) << "no golden tables found under spec/wire";

  std::set<std::string> linked;
  for (const FileDescriptor* file : LinkedFiles()) {
    if (file != nullptr) {
      linked.insert(file->name());
    }
  }

  size_t golden_rows = 0;
  for (const auto& [proto_file, table] : golden) {
    golden_rows += table.rows.size();
    const FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(proto_file);
    if (file == nullptr) {
      errors += table.table_path + ": " + proto_file + " is not in the generated pool\n";
      continue;
    }
    std::string diff = Diff(proto_file, table.rows, RowsOf(file));
    if (!diff.empty()) {
      errors += table.table_path + " vs " + proto_file + ":\n" + diff;
    }
  }
  for (const auto& name : linked) {
    if (golden.count(name) == 0) {
      errors += name + " has no golden table in spec/wire\n";
    }
  }
  EXPECT_TRUE(errors.empty()) << errors;
  std::cout << "[wire] compared " << golden.size() << " files, " << golden_rows << " golden rows\n";
}

// Every .proto in the source tree must be one the test links and checks, so a new file cannot
// slip in without a golden table.
TEST(WireTest, EveryProtoFileIsChecked) {
  std::set<std::string> linked;
  for (const FileDescriptor* file : LinkedFiles()) {
    if (file != nullptr) {
      linked.insert(file->name());
    }
  }
  const fs::path root = fs::path(CS_SOURCE_DIR) / "proto";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".proto") {
      continue;
    }
    const std::string rel = fs::relative(entry.path(), root).generic_string();
    EXPECT_EQ(linked.count(rel), 1u) << rel << " is not linked into / checked by wire_test";
  }
}

TEST(WireTest, ProtocolGrpcMethodPaths) {
  const std::vector<std::string> expected = {
      "/cloudstate.EntityDiscovery/discover",
      "/cloudstate.EntityDiscovery/reportError",
      "/cloudstate.eventsourced.EventSourced/handle",
      "/cloudstate.valueentity.ValueEntity/handle",
      "/cloudstate.crdt.Crdt/handle",
      "/cloudstate.action.ActionProtocol/handleUnary",
      "/cloudstate.action.ActionProtocol/handleStreamedIn",
      "/cloudstate.action.ActionProtocol/handleStreamedOut",
      "/cloudstate.action.ActionProtocol/handleStreamed",
  };
  const std::vector<const ServiceDescriptor*> services = {
      cloudstate::Metadata::descriptor()->file()->FindServiceByName("EntityDiscovery"),
      cloudstate::eventsourced::EventSourcedInit::descriptor()->file()->FindServiceByName(
          "EventSourced"),
      cloudstate::valueentity::ValueEntityInit::descriptor()->file()->FindServiceByName(
          "ValueEntity"),
      cloudstate::crdt::CrdtDelta::descriptor()->file()->FindServiceByName("Crdt"),
      cloudstate::action::ActionCommand::descriptor()->file()->FindServiceByName("ActionProtocol"),
  };
  std::vector<std::string> actual;
  for (const ServiceDescriptor* s : services) {
    ASSERT_NE(s, nullptr);
    for (int i = 0; i < s->method_count(); ++i) {
      // gRPC builds the HTTP/2 path from the service full name and the method name verbatim.
      actual.push_back("/" + s->full_name() + "/" + s->method(i)->name());
    }
  }
  EXPECT_EQ(actual, expected);
}

TEST(WireTest, ExtensionNumbers) {
  EXPECT_EQ(cloudstate::entity_key.number(), 1080);
  EXPECT_EQ(cloudstate::legacy_entity_key.number(), 50002);
  EXPECT_EQ(cloudstate::eventing.number(), 1081);
  EXPECT_EQ(google::api::http.number(), 72295728);

  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const struct {
    const char* name;
    int number;
    const char* extendee;
  } cases[] = {
      {"cloudstate.entity_key", 1080, "google.protobuf.FieldOptions"},
      {"cloudstate.legacy_entity_key", 50002, "google.protobuf.FieldOptions"},
      {"cloudstate.eventing", 1081, "google.protobuf.MethodOptions"},
      {"google.api.http", 72295728, "google.protobuf.MethodOptions"},
  };
  for (const auto& c : cases) {
    const FieldDescriptor* ext = pool->FindExtensionByName(c.name);
    ASSERT_NE(ext, nullptr) << c.name;
    EXPECT_EQ(ext->number(), c.number) << c.name;
    EXPECT_EQ(ext->containing_type()->full_name(), c.extendee) << c.name;
  }
}

// The options the proxy reads from the descriptor set: entity keys, HTTP bindings, eventing.
TEST(WireTest, OptionsTheProxyReads) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* field :
       {"cloudstate.tck.model.valueentity.Request.id", "cloudstate.tck.model.Request.id",
        "cloudstate.tck.model.crdt.Request.id", "cloudstate.tck.model.crdt.StreamedRequest.id",
        "cloudstate.tck.model.eventlogeventing.EmitEventRequest.id",
        "cloudstate.tck.model.eventlogeventing.JsonEvent.id",
        "com.example.shoppingcart.AddLineItem.user_id",
        "com.example.shoppingcart.RemoveLineItem.user_id",
        "com.example.shoppingcart.GetShoppingCart.user_id"}) {
    const FieldDescriptor* f = pool->FindFieldByName(field);
    ASSERT_NE(f, nullptr) << field;
    EXPECT_TRUE(f->options().GetExtension(cloudstate::entity_key)) << field;
  }

  const struct {
    const char* method;
    const char* post;
    const char* body;
  } posts[] = {
      {"cloudstate.tck.model.action.ActionTckModel.ProcessUnary", "/tck/model/action/unary", "*"},
      {"cloudstate.tck.model.valueentity.ValueEntityTckModel.Process", "/tck/model/entity/{id}",
       "*"},
      {"cloudstate.tck.model.EventSourcedTckModel.Process", "/tck/model/eventsourced/{id}", "*"},
      {"cloudstate.tck.model.crdt.CrdtTckModel.Process", "/tck/model/crdt/{id}", "*"},
      {"com.example.shoppingcart.ShoppingCart.AddItem", "/cart/{user_id}/items/add", "*"},
      {"com.example.shoppingcart.ShoppingCart.RemoveItem",
       "/cart/{user_id}/items/{product_id}/remove", ""},
  };
  for (const auto& p : posts) {
    const MethodDescriptor* m = pool->FindMethodByName(p.method);
    ASSERT_NE(m, nullptr) << p.method;
    const auto& rule = m->options().GetExtension(google::api::http);
    EXPECT_EQ(rule.post(), p.post) << p.method;
    EXPECT_EQ(rule.body(), p.body) << p.method;
  }
  const MethodDescriptor* get_cart =
      pool->FindMethodByName("com.example.shoppingcart.ShoppingCart.GetCart");
  ASSERT_NE(get_cart, nullptr);
  const auto& rule = get_cart->options().GetExtension(google::api::http);
  EXPECT_EQ(rule.get(), "/carts/{user_id}");
  ASSERT_EQ(rule.additional_bindings_size(), 1);
  EXPECT_EQ(rule.additional_bindings(0).get(), "/carts/{user_id}/items");
  EXPECT_EQ(rule.additional_bindings(0).response_body(), "items");

  const struct {
    const char* method;
    const char* event_log;
  } subscriptions[] = {
      {"cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel.ProcessEventOne",
       "eventlogeventing-one"},
      {"cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel.ProcessEventTwo",
       "eventlogeventing-one"},
      {"cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel.ProcessAnyEvent",
       "eventlogeventing-two"},
  };
  for (const auto& s : subscriptions) {
    const MethodDescriptor* m = pool->FindMethodByName(s.method);
    ASSERT_NE(m, nullptr) << s.method;
    const auto& eventing = m->options().GetExtension(cloudstate::eventing);
    EXPECT_EQ(eventing.in().event_log(), s.event_log) << s.method;
    EXPECT_FALSE(eventing.has_out()) << s.method;
  }
  const MethodDescriptor* effect = pool->FindMethodByName(
      "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel.Effect");
  ASSERT_NE(effect, nullptr);
  EXPECT_FALSE(effect->options().HasExtension(cloudstate::eventing));
}

}  // namespace
