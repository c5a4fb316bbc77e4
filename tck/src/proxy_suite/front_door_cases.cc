// The proxy's client port as the original's (F-1): one port speaking cleartext HTTP/2 gRPC and
// HTTP/1.1, so that clients and harnesses written for the original proxy work unchanged. These
// cases use the --proxy address only (not --http).
#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"

#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"
#include "model_builders.h"

namespace cloudstate::tck::proxy_suite {
namespace {

namespace cart = ::com::example::shoppingcart;
constexpr const char* kShoppingCart = "com.example.shoppingcart.ShoppingCart";

// A plain HTTP/1.1 request to the client port, as readiness probes of harnesses send it.
void Http1ProbeOnClientPort(ProxyCaseContext& ctx) {
  auto r = ctx.HttpToClientPort("GET", "/", "");
  if (!r) {
    return;  // failed: the port closed or answered something that is not HTTP/1.1
  }
  ctx.Check(r->status >= 200 && r->status <= 599,
            absl::StrCat("GET / on the client port: status ", r->status, " is not a final one"));
}

// gRPC and HTTP/JSON on the same address reach the same entity.
void GrpcAndHttpOnOnePort(ProxyCaseContext& ctx) {
  const std::string user = ctx.NewId("user");
  cart::AddLineItem add;
  add.set_user_id(user);
  add.set_product_id("fig");
  add.set_name("Fig");
  add.set_quantity(4);
  google::protobuf::Empty empty;
  ctx.ExpectOk(ctx.Unary(model::Method(kShoppingCart, "AddItem"), add, &empty), "AddItem (gRPC)");
  if (ctx.failed()) {
    return;
  }
  auto r = ctx.HttpToClientPort("POST", "/cart/" + user + "/items/add",
                                R"({"productId":"date","name":"Date","quantity":1})");
  if (!r) {
    return;
  }
  if (!ctx.Check(r->status == 200, absl::StrCat("POST /cart/", user,
                                                "/items/add on the client "
                                                "port: status ",
                                                r->status, " (", r->body, ")"))) {
    return;
  }
  cart::GetShoppingCart get;
  get.set_user_id(user);
  cart::Cart got;
  ctx.ExpectOk(ctx.Unary(model::Method(kShoppingCart, "GetCart"), get, &got), "GetCart (gRPC)");
  cart::Cart expected;
  auto* fig = expected.add_items();
  fig->set_product_id("fig");
  fig->set_name("Fig");
  fig->set_quantity(4);
  auto* date = expected.add_items();
  date->set_product_id("date");
  date->set_name("Date");
  date->set_quantity(1);
  ctx.ExpectMessage(expected, got, "GetCart after one gRPC and one HTTP/JSON AddItem");
}

PROXY_CASE({.name = "proxy.client_port_http1_probe",
            .rule_ids = {"FE-027", "FE-031"},
            .description = "a plain HTTP/1.1 request to the gRPC client port gets an HTTP/1.1 "
                           "response with a status",
            .hint = "serve HTTP/1.1 and cleartext HTTP/2 on one port, chosen per connection from "
                    "the first bytes (the HTTP/2 preface)",
            .body = Http1ProbeOnClientPort});
PROXY_CASE({.name = "proxy.client_port_grpc_and_http",
            .rule_ids = {"FE-031", "FE-013"},
            .description = "gRPC and HTTP/JSON on the one client port reach the same entity",
            .hint = "the google.api.http bindings are served on the gRPC port too",
            .services = {kShoppingCart},
            .body = GrpcAndHttpOnOnePort});

}  // namespace
}  // namespace cloudstate::tck::proxy_suite
