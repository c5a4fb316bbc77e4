// Routing and entity-key extraction: the per-call work the proxy does before posting to a strand.

#include <set>

#include "benchmark/benchmark.h"
#include "google/protobuf/descriptor.pb.h"

#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/proxy/proxy.h"
#include "core/service_model.h"

namespace cloudstate::proxy {
namespace {

void AddWithImports(const google::protobuf::FileDescriptor* file,
                    google::protobuf::FileDescriptorSet* set, std::set<std::string>* seen) {
  if (!seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithImports(file->dependency(i), set, seen);
  }
  file->CopyTo(set->add_file());
}

const ServiceModel& CartModel() {
  static const std::unique_ptr<ServiceModel> model = [] {
    cloudstate::EntitySpec spec;
    google::protobuf::FileDescriptorSet set;
    std::set<std::string> seen;
    AddWithImports(com::example::shoppingcart::AddLineItem::descriptor()->file(), &set, &seen);
    spec.set_proto(set.SerializeAsString());
    auto* e = spec.add_entities();
    e->set_entity_type(std::string(kEventSourcedType));
    e->set_service_name("com.example.shoppingcart.ShoppingCart");
    e->set_persistence_id("shopping-cart");
    spec.mutable_service_info()->set_protocol_minor_version(2);
    return std::move(*ServiceModel::Build(spec, SupportedEntityTypes()));
  }();
  return *model;
}

void BM_FindRoute(benchmark::State& state) {
  const ServiceModel& model = CartModel();
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.FindRoute("/com.example.shoppingcart.ShoppingCart/AddItem"));
  }
}
BENCHMARK(BM_FindRoute);

void BM_FindRouteByServiceAndMethod(benchmark::State& state) {
  const ServiceModel& model = CartModel();
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.FindRoute("com.example.shoppingcart.ShoppingCart", "GetCart"));
  }
}
BENCHMARK(BM_FindRouteByServiceAndMethod);

// Key extraction from an AddLineItem whose key field comes first or after a long name.
void BM_ExtractEntityId(benchmark::State& state) {
  const Route* route = CartModel().FindRoute("/com.example.shoppingcart.ShoppingCart/AddItem");
  com::example::shoppingcart::AddLineItem item;
  item.set_user_id("user-1234567");
  item.set_product_id("product-42");
  item.set_name(std::string(static_cast<size_t>(state.range(0)), 'n'));
  item.set_quantity(3);
  const std::string bytes = item.SerializeAsString();
  for (auto _ : state) {
    benchmark::DoNotOptimize(route->ExtractEntityId(bytes));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ExtractEntityId)->Arg(8)->Arg(1024);

// Several key fields of mixed types, joined with '-'.
void BM_ExtractCompositeKey(benchmark::State& state) {
  using google::protobuf::FieldDescriptor;
  std::vector<KeyField> keys = {{2, FieldDescriptor::TYPE_STRING, nullptr},
                                {1, FieldDescriptor::TYPE_INT64, nullptr},
                                {3, FieldDescriptor::TYPE_BOOL, nullptr}};
  const std::string bytes = std::string(
      "\x08\x2a\x12\x06"
      "abcdef\x18\x01",
      12);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ExtractEntityId(keys, bytes));
  }
}
BENCHMARK(BM_ExtractCompositeKey);

}  // namespace
}  // namespace cloudstate::proxy
