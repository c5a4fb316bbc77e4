// Proxy cases not tied to one entity type: discovery (P1), server reflection (P2) and the
// shopping-cart example over gRPC and HTTP.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/empty.pb.h"

#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"
#include "model_builders.h"

namespace cloudstate::tck::proxy_suite {
namespace {

namespace cart = ::com::example::shoppingcart;
constexpr const char* kShoppingCart = "com.example.shoppingcart.ShoppingCart";

void ProxyInfoAndDiscovery(ProxyCaseContext& ctx) {
  const auto* info = ctx.proxy_info();
  const auto* spec = ctx.entity_spec();
  if (!ctx.Check(info != nullptr && spec != nullptr, "no discovery exchange was recorded")) {
    return;
  }
  ctx.Note(absl::StrCat("ProxyInfo: ", ShortText(*info)));
  if (info->protocol_major_version() != 0 || info->protocol_minor_version() != 2) {
    ctx.Fail(absl::StrCat("ProxyInfo announces protocol ", info->protocol_major_version(), ".",
                          info->protocol_minor_version(), ", expected 0.2"));
    return;
  }
  std::set<std::string> types(info->supported_entity_types().begin(),
                              info->supported_entity_types().end());
  const std::set<std::string> expected = {kActionProtocol, kValueEntityProtocol,
                                          kEventSourcedProtocol, kCrdtProtocol};
  if (types != expected) {
    ctx.Fail(absl::StrCat("ProxyInfo.supported_entity_types is {", absl::StrJoin(types, ", "),
                          "}, expected the four entity types {", absl::StrJoin(expected, ", "),
                          "}"));
    return;
  }
  google::protobuf::FileDescriptorSet files;
  if (!ctx.Check(files.ParseFromString(spec->proto()),
                 "EntitySpec.proto is not a FileDescriptorSet")) {
    return;
  }
  std::set<std::string> declared;
  for (const auto& f : files.file()) {
    for (const auto& s : f.service()) {
      declared.insert(f.package().empty() ? s.name() : absl::StrCat(f.package(), ".", s.name()));
    }
  }
  for (const auto& e : spec->entities()) {
    if (!declared.count(e.service_name())) {
      ctx.Fail(absl::StrCat("entity ", e.service_name(), " is not a service of EntitySpec.proto"));
      return;
    }
  }
}

std::optional<ReflectionResponse> Reflect(ProxyCaseContext& ctx, ClientCall& call,
                                          const ReflectionRequest& request, std::string_view what) {
  if (ctx.failed() || ctx.skipped()) {
    return std::nullopt;
  }
  ctx.Note(absl::StrCat("reflection -> ", std::string(what)));
  if (!call.Write(EncodeReflectionRequest(request), ctx.window())) {
    auto status = call.Finish(ctx.window());
    if (status && status->error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      ctx.Skip("the proxy does not offer gRPC server reflection");
    } else {
      ctx.Fail(absl::StrCat("reflection (", std::string(what),
                            "): the call ended: ", status ? status->error_message() : "no status"));
    }
    return std::nullopt;
  }
  auto bytes = call.Read(ctx.window());
  if (!bytes) {
    auto status = call.Finish(ctx.window());
    if (status && status->error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      ctx.Skip("the proxy does not offer gRPC server reflection");
    } else {
      ctx.Fail(absl::StrCat("reflection (", std::string(what), "): no response",
                            status
                                ? absl::StrCat(", status ", static_cast<int>(status->error_code()),
                                               " \"", status->error_message(), "\"")
                                : ""));
    }
    return std::nullopt;
  }
  auto decoded = DecodeReflectionResponse(*bytes);
  if (!decoded) {
    ctx.Fail(absl::StrCat("reflection (", std::string(what),
                          "): the response is not a ServerReflectionResponse"));
    return std::nullopt;
  }
  if (decoded->valid_host != request.host) {
    ctx.Fail(absl::StrCat("reflection (", std::string(what), "): valid_host is \"",
                          decoded->valid_host, "\", expected the request's host \"", request.host,
                          "\""));
  } else if (!decoded->original || decoded->original->host != request.host ||
             decoded->original->list_services != request.list_services ||
             decoded->original->file_containing_symbol != request.file_containing_symbol) {
    ctx.Fail(absl::StrCat("reflection (", std::string(what),
                          "): original_request does not echo the request"));
  }
  return decoded;
}

void ServerReflection(ProxyCaseContext& ctx) {
  ClientCall call(ctx.channel(), kReflectionMethod, ctx.window() * 4);
  std::string host = "127.0.0.1";
  std::vector<std::string> expected_services;
  if (const auto* spec = ctx.entity_spec()) {
    std::set<std::string> names;
    for (const auto& e : spec->entities()) {
      names.insert(e.service_name());
    }
    expected_services.push_back(kReflectionService);
    expected_services.insert(expected_services.end(), names.begin(), names.end());
  }
  for (const char* list : {"", "nonsense.blabla."}) {
    ReflectionRequest request{.host = host, .list_services = std::string(list)};
    auto r = Reflect(ctx, call, request, absl::StrCat("list_services=\"", list, "\""));
    if (!r) {
      return;
    }
    if (!r->services) {
      ctx.Fail("reflection: list_services did not get a list_services_response");
      return;
    }
    const auto& got = *r->services;
    ctx.Note(absl::StrCat("services: ", absl::StrJoin(got, ", ")));
    if (!expected_services.empty()) {
      if (got != expected_services) {
        ctx.Fail(absl::StrCat("reflection lists [", absl::StrJoin(got, ", "), "], expected [",
                              absl::StrJoin(expected_services, ", "), "]"));
        return;
      }
    } else {
      // Client-only: the reflection service first, then the user services sorted.
      if (got.empty() || got[0] != kReflectionService ||
          !std::is_sorted(got.begin() + 1, got.end())) {
        ctx.Fail(absl::StrCat("reflection lists [", absl::StrJoin(got, ", "), "], expected ",
                              kReflectionService, " followed by the entity services sorted"));
        return;
      }
    }
  }
  ReflectionRequest unknown{.host = host, .file_containing_symbol = "nonsense.blabla.Void"};
  auto r = Reflect(ctx, call, unknown, "file_containing_symbol=nonsense.blabla.Void");
  if (!r) {
    return;
  }
  if (!r->file_descriptors || !r->file_descriptors->empty()) {
    ctx.Fail(r->error
                 ? absl::StrCat("reflection: an unknown symbol must get an empty "
                                "file_descriptor_response, got error ",
                                r->error->first, " \"", r->error->second, "\"")
                 : std::string(
                       "reflection: an unknown symbol must get an empty file_descriptor_response"));
    return;
  }
  call.WritesDone();
  auto status = call.Finish(ctx.window());
  if (!status) {
    ctx.Fail("reflection: the stream did not complete after the client closed it");
  } else {
    ctx.ExpectOk(*status, "reflection stream");
  }
}

const std::string kAddItem = model::Method(kShoppingCart, "AddItem");
const std::string kRemoveItem = model::Method(kShoppingCart, "RemoveItem");
const std::string kGetCart = model::Method(kShoppingCart, "GetCart");

cart::AddLineItem Add(const std::string& user, const std::string& product, const std::string& name,
                      int quantity) {
  cart::AddLineItem a;
  a.set_user_id(user);
  a.set_product_id(product);
  a.set_name(name);
  a.set_quantity(quantity);
  return a;
}
cart::Cart CartOf(std::initializer_list<std::tuple<const char*, const char*, int>> items) {
  cart::Cart c;
  for (const auto& [product, name, quantity] : items) {
    auto* line = c.add_items();
    line->set_product_id(product);
    line->set_name(name);
    line->set_quantity(quantity);
  }
  return c;
}

void ShoppingCartGrpc(ProxyCaseContext& ctx) {
  const std::string user = ctx.NewId("user");
  google::protobuf::Empty empty;
  cart::GetShoppingCart get;
  get.set_user_id(user);
  cart::Cart got;
  ctx.ExpectOk(ctx.Unary(kGetCart, get, &got), "GetCart (new cart)");
  ctx.ExpectMessage(cart::Cart(), got, "GetCart (new cart)");
  ctx.ExpectOk(ctx.Unary(kAddItem, Add(user, "apple", "Apple", 2), &empty), "AddItem apple");
  ctx.ExpectOk(ctx.Unary(kAddItem, Add(user, "pear", "Pear", 1), &empty), "AddItem pear");
  ctx.ExpectOk(ctx.Unary(kAddItem, Add(user, "apple", "Apple", 3), &empty), "AddItem apple again");
  got.Clear();
  ctx.ExpectOk(ctx.Unary(kGetCart, get, &got), "GetCart");
  ctx.ExpectMessage(CartOf({{"apple", "Apple", 5}, {"pear", "Pear", 1}}), got, "GetCart");
  cart::RemoveLineItem remove;
  remove.set_user_id(user);
  remove.set_product_id("apple");
  ctx.ExpectOk(ctx.Unary(kRemoveItem, remove, &empty), "RemoveItem apple");
  got.Clear();
  ctx.ExpectOk(ctx.Unary(kGetCart, get, &got), "GetCart after remove");
  ctx.ExpectMessage(CartOf({{"pear", "Pear", 1}}), got, "GetCart after remove");
  // Removing an item that is not in the cart is a failure of the function.
  grpc::Status status = ctx.Unary(kRemoveItem, remove, &empty);
  if (!ctx.failed() && status.ok()) {
    ctx.Fail("RemoveItem of an item not in the cart must fail");
  }
  // Another user's cart is another entity.
  cart::GetShoppingCart other;
  other.set_user_id(ctx.NewId("user"));
  got.Clear();
  ctx.ExpectOk(ctx.Unary(kGetCart, other, &got), "GetCart (other user)");
  ctx.ExpectMessage(cart::Cart(), got, "GetCart (other user)");
}

void ExpectGet(ProxyCaseContext& ctx, const std::string& target, const std::string& expected) {
  auto r = ctx.Http("GET", target, "");
  if (!r) {
    return;
  }
  if (r->status != 200) {
    ctx.Fail(
        absl::StrCat("GET ", target, ": expected status 200, got ", r->status, " (", r->body, ")"));
  } else if (r->body != expected) {
    ctx.Fail(absl::StrCat("GET ", target, ": expected body ", expected, ", got ", r->body));
  }
}

void ShoppingCartHttp(ProxyCaseContext& ctx) {
  const std::string user = ctx.NewId("user");
  ExpectGet(ctx, "/carts/" + user, R"({"items":[]})");
  ctx.HttpExpectJson("/cart/" + user + "/items/add",
                     R"({"productId":"apple","name":"Apple","quantity":2})", "{}");
  ctx.HttpExpectJson("/cart/" + user + "/items/add",
                     R"({"productId":"pear","name":"Pear","quantity":1})", "{}");
  ExpectGet(
      ctx, "/carts/" + user,
      R"({"items":[{"productId":"apple","name":"Apple","quantity":2},{"productId":"pear","name":"Pear","quantity":1}]})");
  ExpectGet(
      ctx, "/carts/" + user + "/items",
      R"([{"productId":"apple","name":"Apple","quantity":2},{"productId":"pear","name":"Pear","quantity":1}])");
  ctx.HttpExpectJson("/cart/" + user + "/items/apple/remove", "", "{}");
  ExpectGet(ctx, "/carts/" + user + "/items",
            R"([{"productId":"pear","name":"Pear","quantity":1}])");
}

PROXY_CASE(
    {.name = "proxy.discovery_proxy_info",
     .rule_ids = {"DISC-001", "DISC-002", "DISC-007", "DISC-008"},
     .description = "the proxy's discover call announces protocol 0.2 and the four entity types; "
                    "the spec is consistent",
     .hint = "ProxyInfo: protocol 0.2, supported_entity_types = the four protocol service names",
     .original_id = "P1",
     .needs_interceptor = true,
     .body = ProxyInfoAndDiscovery});
PROXY_CASE({.name = "proxy.server_reflection",
            .rule_ids = {"FE-023", "FE-024", "FE-025"},
            .description = "server reflection lists itself and the entity services sorted; an "
                           "unknown symbol gets no files",
            .hint = "grpc.reflection.v1alpha: echo host and request; unknown symbols -> empty "
                    "file_descriptor_response",
            .original_id = "P2",
            .body = ServerReflection});
PROXY_CASE({.name = "proxy.shoppingcart_grpc",
            .rule_ids = {"FE-001", "FE-004", "FE-011", "FE-018"},
            .description =
                "the shopping-cart example over gRPC: add, get, remove, failure, independent carts",
            .hint = "route by the user_id entity key; replies and failures come from the function",
            .services = {kShoppingCart},
            .body = ShoppingCartGrpc});
PROXY_CASE(
    {.name = "proxy.shoppingcart_http",
     .rule_ids = {"FE-013", "FE-015"},
     .description =
         "the shopping-cart HTTP bindings: POST with body, POST without body, GET, response_body",
     .hint =
         "google.api.http: path variables, body \"*\" and none, additional_bindings, response_body",
     .services = {kShoppingCart},
     .needs_http = true,
     .body = ShoppingCartHttp});

}  // namespace
}  // namespace cloudstate::tck::proxy_suite
