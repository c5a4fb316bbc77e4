#include "cloudstate/model_checker/fault_relay.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "boost/asio.hpp"
#include "gtest/gtest.h"

namespace cloudstate::model_checker {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::microseconds;
using Clock = LinkPacer::Clock;

// Generous: the relay answers within milliseconds; this only bounds a broken build.
constexpr std::chrono::milliseconds kWait{30000};

TEST(LinkPacer, NoFaultsDeliversAtOnce) {
  LinkPacer pacer(1);
  const auto now = Clock::now();
  EXPECT_EQ(pacer.Schedule({}, now, 100), now);
}

TEST(LinkPacer, LatencyAndBandwidthAddUp) {
  LinkPacer pacer(1);
  const auto now = Clock::now();
  LinkFaults faults;
  faults.latency = microseconds(5000);
  faults.bytes_per_second = 1000;
  // 500 bytes take 0.5 s on the link, then 5 ms of latency; the next 500 queue behind them.
  EXPECT_EQ(pacer.Schedule(faults, now, 500), now + std::chrono::milliseconds(505));
  EXPECT_EQ(pacer.Schedule(faults, now, 500), now + std::chrono::milliseconds(1005));
}

TEST(LinkPacer, JitterIsSeededAndNeverReorders) {
  LinkFaults faults;
  faults.latency = microseconds(1000);
  faults.jitter = microseconds(50000);
  LinkPacer a(42);
  LinkPacer b(42);
  const auto now = Clock::now();
  auto previous = now;
  for (int i = 0; i < 200; ++i) {
    const auto due = a.Schedule(faults, now, 10);
    EXPECT_EQ(due, b.Schedule(faults, now, 10));
    EXPECT_GE(due, previous);
    EXPECT_GE(due, now + microseconds(1000));
    EXPECT_LE(due, now + microseconds(51000));
    previous = due;
  }
}

// An echo server on a free loopback port, one thread per connection, counting what it read.
class EchoServer {
 public:
  EchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::system::error_code error;
        tcp::socket socket(io_);
        acceptor_.accept(socket, error);
        if (error) {
          return;
        }
        workers_.emplace_back([this, s = std::move(socket)]() mutable { Echo(s); });
      }
    });
  }
  ~EchoServer() {
    boost::system::error_code ignored;
    acceptor_.cancel(ignored);
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
    for (auto& worker : workers_) {
      worker.join();
    }
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int64_t received() const { return received_; }

 private:
  void Echo(tcp::socket& socket) {
    char buffer[4096];
    for (;;) {
      boost::system::error_code error;
      const size_t n = socket.read_some(asio::buffer(buffer), error);
      if (error) {
        return;  // the echo ends with its client: EOF, or a reset passed on by the relay
      }
      received_ += static_cast<int64_t>(n);
      asio::write(socket, asio::buffer(buffer, n), error);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::atomic<int64_t> received_{0};
};

class FaultRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto relay = FaultRelay::Start({.upstream = echo_.address(), .seed = 7});
    ASSERT_TRUE(relay.ok()) << relay.status();
    relay_ = std::move(*relay);
  }

  tcp::socket Connect() {
    tcp::socket socket(io_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), relay_->port()));
    return socket;
  }

  static std::string ReadExactly(tcp::socket& socket, size_t n) {
    std::string text(n, '\0');
    asio::read(socket, asio::buffer(text));
    return text;
  }

  bool WaitFor(const std::function<bool(const RelayStats&)>& done) {
    return relay_->WaitFor(done, kWait);
  }

  EchoServer echo_;
  asio::io_context io_;
  std::unique_ptr<FaultRelay> relay_;
};

TEST_F(FaultRelayTest, CopiesBothWays) {
  tcp::socket socket = Connect();
  asio::write(socket, asio::buffer(std::string("hello")));
  EXPECT_EQ(ReadExactly(socket, 5), "hello");
  EXPECT_TRUE(WaitFor([](const RelayStats& s) {
    return s.accepted == 1 && s.bytes_to_upstream == 5 && s.bytes_to_client == 5;
  }));
}

TEST_F(FaultRelayTest, HoldKeepsBytesUntilHealedAndKeepsTheirOrder) {
  tcp::socket socket = Connect();
  relay_->Set(Direction::kToUpstream, {.hold = true});
  asio::write(socket, asio::buffer(std::string("abc")));
  asio::write(socket, asio::buffer(std::string("def")));
  ASSERT_TRUE(WaitFor([](const RelayStats& s) { return s.bytes_waiting == 6; }));
  EXPECT_EQ(relay_->Stats().bytes_to_upstream, 0);
  EXPECT_EQ(echo_.received(), 0);
  relay_->Heal();
  EXPECT_EQ(ReadExactly(socket, 6), "abcdef");
}

TEST_F(FaultRelayTest, AHeldDirectionBackPressuresTheSender) {
  relay_.reset();
  auto relay =
      FaultRelay::Start({.upstream = echo_.address(), .seed = 7, .max_waiting_bytes = 1024});
  ASSERT_TRUE(relay.ok());
  relay_ = std::move(*relay);
  relay_->Set(Direction::kToUpstream, {.hold = true});
  tcp::socket socket = Connect();
  socket.non_blocking(true);
  // Write until the kernel refuses: the relay stops reading once it holds its bound.
  const std::string chunk(16 * 1024, 'x');
  int64_t sent = 0;
  for (int i = 0; i < 100000; ++i) {
    boost::system::error_code error;
    const size_t n = socket.write_some(asio::buffer(chunk), error);
    if (error == asio::error::would_block) {
      break;
    }
    ASSERT_FALSE(error) << error.message();
    sent += static_cast<int64_t>(n);
  }
  ASSERT_TRUE(WaitFor([](const RelayStats& s) { return s.bytes_waiting > 0; }));
  const RelayStats held = relay_->Stats();
  EXPECT_LT(held.bytes_waiting, 1024 + 64 * 1024);  // the bound plus at most one read
  EXPECT_LT(held.bytes_waiting, sent);
  EXPECT_EQ(held.bytes_to_upstream, 0);
}

TEST_F(FaultRelayTest, BlackHoleSwallowsWhileItLasts) {
  tcp::socket socket = Connect();
  relay_->Set(Direction::kToUpstream, {.black_hole = true});
  asio::write(socket, asio::buffer(std::string("lost")));
  ASSERT_TRUE(WaitFor([](const RelayStats& s) { return s.bytes_swallowed == 4; }));
  relay_->Heal();
  asio::write(socket, asio::buffer(std::string("kept")));
  EXPECT_EQ(ReadExactly(socket, 4), "kept");
  EXPECT_EQ(echo_.received(), 4);
}

TEST_F(FaultRelayTest, LatencyStillDeliversEverythingInOrder) {
  relay_->Set(Direction::kToClient, {.latency = microseconds(2000), .jitter = microseconds(3000)});
  tcp::socket socket = Connect();
  std::string sent;
  for (int i = 0; i < 50; ++i) {
    const std::string part = std::to_string(i) + ",";
    sent += part;
    asio::write(socket, asio::buffer(part));
  }
  EXPECT_EQ(ReadExactly(socket, sent.size()), sent);
}

TEST_F(FaultRelayTest, ResetEndsEveryConnection) {
  tcp::socket socket = Connect();
  asio::write(socket, asio::buffer(std::string("x")));
  EXPECT_EQ(ReadExactly(socket, 1), "x");
  relay_->ResetConnections();
  ASSERT_TRUE(WaitFor([](const RelayStats& s) { return s.resets == 1 && s.active == 0; }));
  char byte;
  boost::system::error_code error;
  socket.read_some(asio::buffer(&byte, 1), error);
  EXPECT_TRUE(error == asio::error::connection_reset || error == asio::error::eof)
      << error.message();
  // The relay itself goes on.
  tcp::socket again = Connect();
  asio::write(again, asio::buffer(std::string("y")));
  EXPECT_EQ(ReadExactly(again, 1), "y");
}

TEST_F(FaultRelayTest, RefusedConnectionsAreResetUntilAllowedAgain) {
  relay_->RefuseNewConnections(true);
  tcp::socket refused = Connect();
  ASSERT_TRUE(WaitFor([](const RelayStats& s) { return s.refused == 1; }));
  char byte;
  boost::system::error_code error;
  refused.read_some(asio::buffer(&byte, 1), error);
  EXPECT_TRUE(error) << "a refused connection must end";
  relay_->RefuseNewConnections(false);
  tcp::socket allowed = Connect();
  asio::write(allowed, asio::buffer(std::string("z")));
  EXPECT_EQ(ReadExactly(allowed, 1), "z");
}

TEST_F(FaultRelayTest, HalfCloseReachesTheOtherSide) {
  tcp::socket socket = Connect();
  asio::write(socket, asio::buffer(std::string("bye")));
  socket.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(ReadExactly(socket, 3), "bye");
  // The echo server ends on EOF, so the client then sees EOF too.
  char byte;
  boost::system::error_code error;
  socket.read_some(asio::buffer(&byte, 1), error);
  EXPECT_EQ(error, asio::error::eof);
  EXPECT_TRUE(WaitFor([](const RelayStats& s) { return s.active == 0; }));
}

TEST(FaultRelay, AnUnreachableUpstreamResetsTheClient) {
  // A port that was free a moment ago: nothing listens there.
  asio::io_context io;
  tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const int port = probe.local_endpoint().port();
  probe.close();
  auto relay = FaultRelay::Start({.upstream = "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(relay.ok());
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*relay)->port()));
  ASSERT_TRUE(
      (*relay)->WaitFor([](const RelayStats& s) { return s.upstream_failures == 1; }, kWait));
  char byte;
  boost::system::error_code error;
  socket.read_some(asio::buffer(&byte, 1), error);
  EXPECT_TRUE(error);
}

TEST(FaultRelay, BadUpstreamIsAClearError) {
  EXPECT_EQ(FaultRelay::Start({.upstream = "nowhere"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FaultRelay::Start({.upstream = "127.0.0.1:99999"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LinkFaults, Describe) {
  EXPECT_EQ(LinkFaults{}.Describe(), "none");
  EXPECT_EQ((LinkFaults{.latency = microseconds(5000), .hold = true}.Describe()),
            "latency 5ms, hold");
}

}  // namespace
}  // namespace cloudstate::model_checker
