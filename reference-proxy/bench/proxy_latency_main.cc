// The first latency figure: a shopping-cart AddItem through the proxy (client -> proxy ->
// function, memory store) against the same command sent straight down an open entity stream to the
// function. Starts the reference function as a child process and the proxy in-process, runs both
// sequentially on one connection each, and prints p50/p99 of each and their ratio.
//
//   proxy_latency [--iterations N] [--warmup N] [--store URL]

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

#include "cloudstate/event_sourced.grpc.pb.h"
#include "shoppingcart/shoppingcart.grpc.pb.h"

#include "cloudstate/proxy/proxy.h"
#include <sys/wait.h>

namespace {

namespace sc = com::example::shoppingcart;
using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

sc::AddLineItem Item(const std::string& user, int i) {
  sc::AddLineItem item;
  item.set_user_id(user);
  item.set_product_id("p" + std::to_string(i % 16));
  item.set_name("Product");
  item.set_quantity(1);
  return item;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 2000;
  int warmup = 200;
  std::string store = "memory";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--iterations") == 0) {
      iterations = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--warmup") == 0) {
      warmup = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--store") == 0) {
      store = argv[i + 1];
    }
  }
  spdlog::set_level(spdlog::level::warn);

  // The reference function on an ephemeral port.
  int fds[2];
  if (pipe(fds) != 0) {
    return 1;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    execl(CS_REFERENCE_FUNCTION_BINARY, CS_REFERENCE_FUNCTION_BINARY, "--host", "127.0.0.1",
          "--port", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  int port = 0;
  char line[4096];
  const std::regex listening("listening on [0-9.]+:([0-9]+)");
  while (port == 0 && fgets(line, sizeof(line), out) != nullptr) {
    std::cmatch m;
    if (std::regex_search(line, m, listening)) {
      port = std::stoi(m[1].str());
    }
  }
  if (port == 0) {
    fprintf(stderr, "reference function did not start\n");
    return 1;
  }
  std::thread drain([out] {
    char buf[4096];
    while (fgets(buf, sizeof(buf), out) != nullptr) {
    }
  });

  // Direct: one open EventSourced stream to the function, one command at a time.
  std::vector<double> direct;
  {
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    auto stub = cloudstate::eventsourced::EventSourced::NewStub(channel);
    grpc::ClientContext ctx;
    auto stream = stub->handle(&ctx);
    cloudstate::eventsourced::EventSourcedStreamIn init;
    init.mutable_init()->set_service_name("com.example.shoppingcart.ShoppingCart");
    init.mutable_init()->set_entity_id("direct");
    stream->Write(init);
    for (int i = 0; i < warmup + iterations; ++i) {
      cloudstate::eventsourced::EventSourcedStreamIn in;
      auto* command = in.mutable_command();
      command->set_entity_id("direct");
      command->set_id(i + 1);
      command->set_name("AddItem");
      command->mutable_payload()->set_type_url(
          "type.googleapis.com/com.example.shoppingcart.AddLineItem");
      command->mutable_payload()->set_value(Item("direct", i).SerializeAsString());
      cloudstate::eventsourced::EventSourcedStreamOut reply;
      const auto start = Clock::now();
      if (!stream->Write(in) || !stream->Read(&reply) || !reply.has_reply()) {
        fprintf(stderr, "direct stream failed at command %d\n", i + 1);
        return 1;
      }
      if (i >= warmup) {
        direct.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      }
    }
    stream->WritesDone();
    stream->Finish();
  }

  // Through the proxy.
  std::vector<double> proxied;
  {
    cloudstate::proxy::ProxyOptions options;
    options.user_function_port = port;
    options.bind = "127.0.0.1";
    options.management_port = -1;
    options.http_port = -1;
    options.store = store;
    options.discovery_backoff_min = absl::Milliseconds(50);
    options.discovery_max_attempts = 100;
    auto proxy = cloudstate::proxy::Proxy::Start(options);
    if (!proxy.ok()) {
      fprintf(stderr, "proxy: %s\n", std::string(proxy.status().message()).c_str());
      return 1;
    }
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string((*proxy)->grpc_port()),
                                       grpc::InsecureChannelCredentials());
    auto stub = sc::ShoppingCart::NewStub(channel);
    for (int i = 0; i < warmup + iterations; ++i) {
      grpc::ClientContext ctx;
      google::protobuf::Empty empty;
      const sc::AddLineItem item = Item("proxied", i);
      const auto start = Clock::now();
      grpc::Status s = stub->AddItem(&ctx, item, &empty);
      if (!s.ok()) {
        fprintf(stderr, "AddItem through the proxy failed: %s\n", s.error_message().c_str());
        return 1;
      }
      if (i >= warmup) {
        proxied.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      }
    }
    (*proxy)->Shutdown();
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  drain.join();

  const double d50 = Percentile(direct, 0.50), d99 = Percentile(direct, 0.99);
  const double p50 = Percentile(proxied, 0.50), p99 = Percentile(proxied, 0.99);
  printf("AddItem latency, %d sequential commands after %d warm-up (store %s), microseconds\n",
         iterations, warmup, store.c_str());
  printf("  direct entity stream : p50 %8.1f  p99 %8.1f\n", d50, d99);
  printf("  through the proxy    : p50 %8.1f  p99 %8.1f\n", p50, p99);
  printf("  ratio proxy/direct   : p50 %8.2f  p99 %8.2f\n", p50 / d50, p99 / d99);
  return 0;
}
