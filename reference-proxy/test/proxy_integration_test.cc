// End to end: the reference function as a child process, the proxy in-process, real gRPC clients
// calling the user's services through the proxy.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "shoppingcart/shoppingcart.grpc.pb.h"

#include "cloudstate/proxy/proxy.h"
#include <sys/wait.h>

namespace cloudstate::proxy {
namespace {

// Starts the reference function on an ephemeral port and reads the port from its log line.
class ReferenceFunction {
 public:
  bool Start() {
    int fds[2];
    if (pipe(fds) != 0) {
      return false;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      execl(CS_REFERENCE_FUNCTION_BINARY, CS_REFERENCE_FUNCTION_BINARY, "--host", "127.0.0.1",
            "--port", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    char line[4096];
    const std::regex listening("listening on [0-9.]+:([0-9]+)");
    while (fgets(line, sizeof(line), out_) != nullptr) {  // blocks until the line appears
      std::cmatch m;
      if (std::regex_search(line, m, listening)) {
        port_ = std::stoi(m[1].str());
        return true;
      }
    }
    return false;
  }
  ~ReferenceFunction() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) {
      fclose(out_);
    }
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

class ProxyIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(function_.Start());
    ProxyOptions options;
    options.user_function_port = function_.port();
    options.bind = "127.0.0.1";
    options.management_port = -1;
    options.http_port = 0;
    options.discovery_backoff_min = absl::Milliseconds(50);
    options.discovery_max_attempts = 100;
    options.shutdown_timeout = absl::Seconds(2);
    auto proxy = Proxy::Start(options);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(proxy_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (proxy_ != nullptr) {
      proxy_->Shutdown();
    }
  }

  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  ReferenceFunction function_;
  std::unique_ptr<Proxy> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ProxyIntegrationTest, ShoppingCartThroughProxy) {
  namespace sc = com::example::shoppingcart;
  auto stub = sc::ShoppingCart::NewStub(channel_);
  google::protobuf::Empty empty;
  sc::AddLineItem add;
  add.set_user_id("u1");
  add.set_product_id("apple");
  add.set_name("Apple");
  add.set_quantity(2);
  grpc::Status s = stub->AddItem(Ctx().get(), add, &empty);
  ASSERT_TRUE(s.ok()) << s.error_message();
  add.set_quantity(3);
  s = stub->AddItem(Ctx().get(), add, &empty);
  ASSERT_TRUE(s.ok()) << s.error_message();
  add.set_product_id("pear");
  add.set_name("Pear");
  add.set_quantity(1);
  ASSERT_TRUE(stub->AddItem(Ctx().get(), add, &empty).ok());

  sc::GetShoppingCart get;
  get.set_user_id("u1");
  sc::Cart cart;
  s = stub->GetCart(Ctx().get(), get, &cart);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(cart.items_size(), 2);
  int apples = 0;
  for (const auto& item : cart.items()) {
    if (item.product_id() == "apple") {
      apples = item.quantity();
    }
  }
  EXPECT_EQ(apples, 5);

  sc::RemoveLineItem remove;
  remove.set_user_id("u1");
  remove.set_product_id("apple");
  ASSERT_TRUE(stub->RemoveItem(Ctx().get(), remove, &empty).ok());
  // Removing an item that is not in the cart is a user-function failure: UNKNOWN + description.
  s = stub->RemoveItem(Ctx().get(), remove, &empty);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_FALSE(s.error_message().empty());

  // Another cart is independent.
  get.set_user_id("u2");
  cart.Clear();
  ASSERT_TRUE(stub->GetCart(Ctx().get(), get, &cart).ok());
  EXPECT_EQ(cart.items_size(), 0);
  get.set_user_id("u1");
  cart.Clear();
  ASSERT_TRUE(stub->GetCart(Ctx().get(), get, &cart).ok());
  EXPECT_EQ(cart.items_size(), 1);
}

TEST_F(ProxyIntegrationTest, UnknownMethodIsUnimplemented) {
  grpc::GenericStub stub(channel_);
  grpc::Slice empty_slice(std::string(""));
  grpc::ByteBuffer request(&empty_slice, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  auto ctx = Ctx();
  stub.UnaryCall(ctx.get(), "/no.Such/Method", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mu);
                   status = s;
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace cloudstate::proxy
