// HTTP/JSON transcoding against the real binaries: the reference function on an ephemeral
// loopback port, the proxy pointed at it, and the original TCK's HTTP requests (AP9, EP4, ESP4,
// CP5) plus the shopping cart's bindings, with exact statuses and bodies.
//
// Two front doors are exercised:
//  - kTestTranscoder: a Transcoder built here (discovery spec -> ServiceModel -> Transcoder) over a
//    gRPC channel to the proxy binary, served by an HttpServer of our own. This covers everything
//    but the proxy's own wiring.
//  - kProxyHttpPort: the proxy's own HTTP port. Skipped while the proxy does not route unknown HTTP
//    paths to a Transcoder (it then answers 404 for the TCK paths).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cloudstate/entity.grpc.pb.h"

#include "cloudstate/proxy/proxy.h"
#include "cloudstate/proxy_core/service_model.h"
#include "http/transcoder.h"
#include "http_server.h"
#include <sys/wait.h>

extern char** environ;

namespace cloudstate::proxy::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

double TimeScale() {
  const char* scale = std::getenv("CS_TEST_TIMEOUT_SCALE");
  const double v = scale != nullptr ? std::atof(scale) : 1.0;
  return v > 0 ? v : 1.0;
}
std::chrono::milliseconds Generous() {
  return std::chrono::milliseconds(static_cast<int64_t>(60000 * TimeScale()));
}

struct Reply {
  int status = -1;
  std::string content_type;
  std::string body;
};

Reply HttpCall(int port, const std::string& method, const std::string& target,
               const std::string& body = "",
               const std::vector<std::pair<std::string, std::string>>& headers = {
                   {"Content-Type", "application/json"}}) {
  Reply reply;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(Generous());
  beast::error_code ec;
  stream.connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)),
      ec);
  if (ec) {
    reply.body = "connect: " + ec.message();
    return reply;
  }
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) {
    request.set(k, v);
  }
  request.body() = body;
  request.prepare_payload();
  bhttp::write(stream, request, ec);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  if (!ec) {
    bhttp::read(stream, buffer, response, ec);
  }
  if (ec) {
    reply.body = "http: " + ec.message();
    return reply;
  }
  reply.status = static_cast<int>(response.result_int());
  reply.content_type = std::string(response[bhttp::field::content_type]);
  reply.body = response.body();
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return reply;
}

// A child process whose stdout+stderr go to a log file we can search.
class Child {
 public:
  Child(const std::string& name, std::vector<std::string> args) {
    log_path_ =
        ::testing::TempDir() + "/http_it_" + name + "_" + std::to_string(::getpid()) + ".log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  bool running() const { return pid_ > 0; }
  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Waits (polling the log) until `pattern` matches; returns capture group 1, or "".
  std::string AwaitLog(const std::regex& pattern) const {
    const auto deadline = std::chrono::steady_clock::now() + Generous();
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string log = Log();
      if (std::regex_search(log, m, pattern)) {
        return m[1];
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        return "";  // exited
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

enum class FrontDoor { kTestTranscoder, kProxyHttpPort };
void PrintTo(FrontDoor door, std::ostream* os) {
  *os << (door == FrontDoor::kTestTranscoder ? "test transcoder" : "proxy HTTP port");
}

class Stack {
 public:
  Stack() {
    function_ = std::make_unique<Child>(
        "function", std::vector<std::string>{CS_REFERENCE_FUNCTION_BINARY, "--host", "127.0.0.1",
                                             "--port", "0"});
    const std::string function_port =
        function_->AwaitLog(std::regex(R"(listening on 127\.0\.0\.1:(\d+))"));
    if (function_port.empty()) {
      error_ = "reference function did not start:\n" + function_->Log();
      return;
    }
    proxy_ = std::make_unique<Child>(
        "proxy",
        std::vector<std::string>{CS_PROXY_BINARY, "--user-function", "127.0.0.1:" + function_port,
                                 "--http-port", "0", "--bind", "127.0.0.1"});
    // gRPC and HTTP share the client port.
    const std::string http_port = proxy_->AwaitLog(std::regex(R"(proxy online at [0-9.]+:(\d+))"));
    if (http_port.empty()) {
      error_ = "proxy client port did not open:\n" + proxy_->Log();
      return;
    }
    proxy_http_port_ = std::stoi(http_port);
    // Readiness: /ready turns 200 once discovery has finished and gRPC is served.
    const auto deadline = std::chrono::steady_clock::now() + Generous();
    while (HttpCall(proxy_http_port_, "GET", "/ready", "", {}).status != 200) {
      if (std::chrono::steady_clock::now() > deadline) {
        error_ = "proxy never became ready:\n" + proxy_->Log();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const std::string grpc_port = proxy_->AwaitLog(std::regex(R"(proxy online at [0-9.]+:(\d+))"));
    if (grpc_port.empty()) {
      error_ = "proxy gRPC port not found in its log:\n" + proxy_->Log();
      return;
    }

    // The same discovery the proxy did, to build the same model on this side.
    auto function_channel =
        grpc::CreateChannel("127.0.0.1:" + function_port, grpc::InsecureChannelCredentials());
    auto discovery = cloudstate::EntityDiscovery::NewStub(function_channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + Generous());
    cloudstate::ProxyInfo info;
    info.set_protocol_major_version(0);
    info.set_protocol_minor_version(2);
    info.set_proxy_name("http-integration-test");
    for (const std::string& type : SupportedEntityTypes()) {
      info.add_supported_entity_types(type);
    }
    cloudstate::EntitySpec spec;
    grpc::Status status = discovery->discover(&context, info, &spec);
    if (!status.ok()) {
      error_ = "discovery failed: " + status.error_message();
      return;
    }
    absl::StatusOr<std::unique_ptr<ServiceModel>> model =
        ServiceModel::Build(spec, SupportedEntityTypes());
    if (!model.ok()) {
      error_ = "model: " + model.status().ToString();
      return;
    }
    model_ = std::move(*model);
    absl::StatusOr<std::unique_ptr<Transcoder>> transcoder = Transcoder::Create(
        *model_, grpc::CreateChannel("127.0.0.1:" + grpc_port, grpc::InsecureChannelCredentials()));
    if (!transcoder.ok()) {
      error_ = "transcoder: " + transcoder.status().ToString();
      return;
    }
    transcoder_ = std::move(*transcoder);
    server_ = std::make_unique<HttpServer>(HttpServer::Options{"127.0.0.1", 0, 2});
    server_->SetFallback([t = transcoder_.get()](const HttpRequest& r) { return t->Handle(r); });
    absl::Status started = server_->Start();
    if (!started.ok()) {
      error_ = "http server: " + started.ToString();
      return;
    }
    // Does the proxy serve transcoding itself yet?
    proxy_transcodes_ =
        HttpCall(proxy_http_port_, "POST", "/cloudstate.tck.model.action.ActionTwo/Call", "{}")
            .status != 404;
  }
  ~Stack() {
    if (server_ != nullptr) {
      server_->Stop();
    }
    transcoder_.reset();
    proxy_.reset();  // SIGTERM the proxy before the function it talks to
    function_.reset();
  }

  const std::string& error() const { return error_; }
  int Port(FrontDoor door) const {
    return door == FrontDoor::kTestTranscoder ? server_->port() : proxy_http_port_;
  }
  bool proxy_transcodes() const { return proxy_transcodes_; }

 private:
  std::unique_ptr<Child> function_;
  std::unique_ptr<Child> proxy_;
  std::unique_ptr<ServiceModel> model_;
  std::unique_ptr<Transcoder> transcoder_;
  std::unique_ptr<HttpServer> server_;
  int proxy_http_port_ = 0;
  bool proxy_transcodes_ = false;
  std::string error_;
};

Stack* stack = nullptr;

class HttpIntegrationTest : public ::testing::TestWithParam<FrontDoor> {
 protected:
  static void SetUpTestSuite() {
    if (stack == nullptr) {
      stack = new Stack();
    }
  }
  static void TearDownTestSuite() {
    delete stack;
    stack = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(stack->error().empty()) << stack->error();
    if (GetParam() == FrontDoor::kProxyHttpPort && !stack->proxy_transcodes()) {
      GTEST_SKIP() << "the proxy's HTTP port does not route to the transcoder yet";
    }
  }
  // Unique ids per front door, so the two runs do not share entities.
  std::string Id(const std::string& base) const {
    return base + (GetParam() == FrontDoor::kTestTranscoder ? "-t" : "-p");
  }
  Reply Post(const std::string& target, const std::string& body) {
    return HttpCall(stack->Port(GetParam()), "POST", target, body);
  }
  void ExpectOk(const std::string& target, const std::string& body, const std::string& expected) {
    Reply r = Post(target, body);
    EXPECT_EQ(r.status, 200) << target << " " << body << " -> " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << target;
    EXPECT_EQ(r.body, expected) << target << " " << body;
  }
  void ExpectError(const std::string& target, const std::string& body,
                   const std::string& expected) {
    Reply r = Post(target, body);
    EXPECT_EQ(r.status, 500) << target << " " << body << " -> " << r.body;
    EXPECT_EQ(r.body, expected) << target << " " << body;
  }
};

// AP9 "verify unary HTTP API".
TEST_P(HttpIntegrationTest, ActionUnaryAP9) {
  ExpectOk("/tck/model/action/unary", R"({"groups":[{"steps":[{"reply":{"message":"foo"}}]}]})",
           R"({"message":"foo"})");
  ExpectError("/tck/model/action/unary", R"({"groups":[{"steps":[{"fail":{"message":"boom"}}]}]})",
              "boom");
}

// EP4 "verify HTTP API" (value entity).
TEST_P(HttpIntegrationTest, ValueEntityEP4) {
  const std::string id = Id("http-ve");
  const std::string path = "/tck/model/entity/" + id;
  ExpectOk(path, "{}", R"({"message":""})");
  ExpectOk("/cloudstate.tck.model.valueentity.ValueEntityTwo/Call", R"({"id": ")" + id + R"("})",
           R"({"message":""})");
  ExpectOk(path, R"({"actions": [{"update": {"value": "one"}}]})", R"({"message":"one"})");
  ExpectError(path, R"({"actions": [{"fail": {"message": "expected failure"}}]})",
              "expected failure");
  ExpectOk(path, R"({"actions": [{"update": {"value": "two"}}]})", R"({"message":"two"})");
  ExpectOk(path, "{}", R"({"message":"two"})");
}

// ESP4 "verify HTTP API" (event sourced).
TEST_P(HttpIntegrationTest, EventSourcedESP4) {
  const std::string id = Id("http-es");
  const std::string path = "/tck/model/eventsourced/" + id;
  ExpectOk(path, "{}", R"({"message":""})");
  ExpectOk("/cloudstate.tck.model.EventSourcedTwo/Call", R"({"id": ")" + id + R"("})",
           R"({"message":""})");
  ExpectOk(path, R"({"actions": [{"emit": {"value": "x"}}]})", R"({"message":"x"})");
  ExpectError(path, R"({"actions": [{"fail": {"message": "expected failure"}}]})",
              "expected failure");
  ExpectOk(path, R"({"actions": [{"emit": {"value": "y"}}]})", R"({"message":"xy"})");
  ExpectError(path,
              R"({"actions": [{"emit": {"value": "z"}}, {"fail": {"message": "emit then fail"}}]})",
              "emit then fail");
  ExpectOk(path, R"({"actions": [{"emit": {"value": "z"}}]})", R"({"message":"xyz"})");
}

// CP5 "verify HTTP API" (PNCounter).
TEST_P(HttpIntegrationTest, CrdtPNCounterCP5) {
  const std::string id = "PNCounter-" + Id("http");
  const std::string path = "/tck/model/crdt/" + id;
  ExpectOk(path, "{}", R"({"state":{"pncounter":{"value":"0"}}})");
  ExpectOk("/cloudstate.tck.model.crdt.CrdtTwo/Call", R"({"id": ")" + id + R"("})", "{}");
  ExpectOk(path, R"({"actions": [{"update": {"pncounter": {"change": 42}}}]})",
           R"({"state":{"pncounter":{"value":"42"}}})");
  ExpectError(path, R"({"actions": [{"fail": {"message": "expected failure"}}]})",
              "expected failure");
  ExpectOk(path, R"({"actions": [{"update": {"pncounter": {"change": -123}}}]})",
           R"({"state":{"pncounter":{"value":"-81"}}})");
  ExpectOk(path, R"({"actions": [{"delete": {}}]})", R"({"state":{"pncounter":{"value":"-81"}}})");
}

TEST_P(HttpIntegrationTest, ShoppingCart) {
  const std::string user = Id("http-cart");
  const int port = stack->Port(GetParam());
  Reply add = HttpCall(port, "POST", "/cart/" + user + "/items/add",
                       R"({"productId":"foo","name":"Foo","quantity":2})");
  EXPECT_EQ(add.status, 200) << add.body;
  EXPECT_EQ(add.body, "{}");
  add = HttpCall(port, "POST", "/cart/" + user + "/items/add",
                 R"({"productId":"bar","name":"Bar","quantity":1})");
  EXPECT_EQ(add.status, 200) << add.body;
  Reply cart = HttpCall(port, "GET", "/carts/" + user, "", {});
  EXPECT_EQ(cart.status, 200) << cart.body;
  EXPECT_EQ(cart.body, R"({"items":[{"productId":"foo","name":"Foo","quantity":2},)"
                       R"({"productId":"bar","name":"Bar","quantity":1}]})");
  Reply items = HttpCall(port, "GET", "/carts/" + user + "/items", "", {});
  EXPECT_EQ(items.status, 200) << items.body;
  EXPECT_EQ(items.body, R"([{"productId":"foo","name":"Foo","quantity":2},)"
                        R"({"productId":"bar","name":"Bar","quantity":1}])");
  Reply removed = HttpCall(port, "POST", "/cart/" + user + "/items/foo/remove", "", {});
  EXPECT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.body, "{}");
  cart = HttpCall(port, "GET", "/carts/" + user, "", {});
  EXPECT_EQ(cart.body, R"({"items":[{"productId":"bar","name":"Bar","quantity":1}]})");
}

TEST_P(HttpIntegrationTest, ErrorsAtTheHttpLayer) {
  const int port = stack->Port(GetParam());
  EXPECT_EQ(HttpCall(port, "POST", "/no/such/route", "{}").status, 404);
  Reply wrong = HttpCall(port, "GET", "/tck/model/action/unary", "", {});
  EXPECT_EQ(wrong.status, 405);
  Reply type =
      HttpCall(port, "POST", "/tck/model/action/unary", "{}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(type.status, 400);
  Reply unknown = HttpCall(port, "POST", "/tck/model/action/unary", R"({"bogus":1})");
  EXPECT_EQ(unknown.status, 400);
}

INSTANTIATE_TEST_SUITE_P(FrontDoors, HttpIntegrationTest,
                         ::testing::Values(FrontDoor::kTestTranscoder, FrontDoor::kProxyHttpPort),
                         [](const ::testing::TestParamInfo<FrontDoor>& info) {
                           return info.param == FrontDoor::kTestTranscoder ? "TestTranscoder"
                                                                           : "ProxyHttpPort";
                         });

}  // namespace
}  // namespace cloudstate::proxy::http
