// Routing and entity-key extraction: the per-call work the proxy does before posting to a strand.

#include "benchmark/benchmark.h"

#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/proxy_core/service_model.h"
#include "model_test_util.h"

namespace cloudstate::proxy {
namespace {

const ServiceModel& CartModel() {
  static const std::unique_ptr<ServiceModel> model = std::move(*ServiceModel::Build(
      Spec({{std::string(kEventSourcedType), "com.example.shoppingcart.ShoppingCart"}},
           {com::example::shoppingcart::AddLineItem::descriptor()->file()}),
      SupportedEntityTypes()));
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
