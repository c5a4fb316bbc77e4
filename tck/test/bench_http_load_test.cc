#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cloudstate/tck/bench/http_load.h"

namespace cloudstate::tck::bench {
namespace {

TEST(BenchHttpLoadTest, HttpStatusesMapToGrpcCodes) {
  EXPECT_EQ(GrpcCodeForHttpStatus(200), 0);
  EXPECT_EQ(GrpcCodeForHttpStatus(204), 0);
  EXPECT_EQ(GrpcCodeForHttpStatus(400), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GrpcCodeForHttpStatus(404), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GrpcCodeForHttpStatus(503), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GrpcCodeForHttpStatus(500), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(GrpcCodeForHttpStatus(302), grpc::StatusCode::UNKNOWN);
}

TEST(BenchHttpLoadTest, AnUnreachableServerCountsAsUnavailable) {
  // Port 1 on loopback refuses connections: every request completes, as UNAVAILABLE.
  HttpIssuer issuer(
      "127.0.0.1:1", [](uint64_t) { return std::string("/x"); },
      [](uint64_t) { return std::string("{}"); }, 2, 5);
  SteadyClock clock;
  PhaseStats stats = RunClosedLoop(issuer, clock, 2, 0);
  EXPECT_EQ(stats.requests, 2u);
  EXPECT_EQ(stats.errors_by_code.at(grpc::StatusCode::UNAVAILABLE), 2u);
}

// A blocking HTTP/1.1 server on 127.0.0.1 that answers 200 to every request and counts accepted
// connections. `close_after_each`: the connection is closed after every response without saying
// so (no "Connection: close"), as a server closing idle connections does.
class CountingServer {
 public:
  explicit CountingServer(bool close_after_each)
      : close_after_each_(close_after_each),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    acceptor_thread_ = std::thread([this] { Accept(); });
  }
  ~CountingServer() {
    stopping_ = true;
    boost::beast::error_code ignored;
    // Wake the blocking accept with one last connection.
    boost::asio::ip::tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    acceptor_thread_.join();
    for (auto& t : connections_) {
      t.join();
    }
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int accepted() const { return accepted_; }
  int answered() const { return answered_; }

 private:
  void Accept() {
    while (true) {
      boost::asio::ip::tcp::socket socket(ioc_);
      boost::beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_ || ec) {
        return;
      }
      ++accepted_;
      connections_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
    }
  }
  void Serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    while (true) {
      http::request<http::string_body> request;
      boost::beast::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) {
        return;
      }
      http::response<http::string_body> response{http::status::ok, 11};
      response.set(http::field::content_type, "application/json");
      response.body() = "{}";
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::write(socket, response, ec);
      ++answered_;
      if (ec || close_after_each_ || !request.keep_alive()) {
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  bool close_after_each_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> answered_{0};
  std::thread acceptor_thread_;
  std::vector<std::thread> connections_;  // joined at the end (clients close their side first)
};

// Issues `n` requests and waits until all completed; returns the codes.
std::vector<int> IssueAll(HttpIssuer& issuer, int n) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> codes;
  for (int i = 0; i < n; ++i) {
    issuer.Issue(static_cast<uint64_t>(i), [&](int code) {
      std::lock_guard lock(mu);
      codes.push_back(code);
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return codes.size() == static_cast<size_t>(n); });
  return codes;
}

TEST(BenchHttpLoadTest, EachWorkerKeepsOneConnectionAlive) {
  CountingServer server(/*close_after_each=*/false);
  {
    HttpIssuer issuer(
        server.address(), [](uint64_t) { return std::string("/x"); },
        [](uint64_t) { return std::string("{}"); }, 2, 30);
    for (int code : IssueAll(issuer, 40)) {
      EXPECT_EQ(code, 0);
    }
  }  // the workers close their connections
  EXPECT_EQ(server.answered(), 40);
  EXPECT_LE(server.accepted(), 2) << "a connection per worker, not per request";
}

TEST(BenchHttpLoadTest, AConnectionTheServerClosedIsReplacedWithoutLosingTheRequest) {
  CountingServer server(/*close_after_each=*/true);
  {
    HttpIssuer issuer(
        server.address(), [](uint64_t) { return std::string("/x"); },
        [](uint64_t) { return std::string("{}"); }, 1, 30);
    for (int code : IssueAll(issuer, 10)) {
      EXPECT_EQ(code, 0);
    }
  }
  EXPECT_EQ(server.answered(), 10);
  EXPECT_EQ(server.accepted(), 10);
}

}  // namespace
}  // namespace cloudstate::tck::bench
