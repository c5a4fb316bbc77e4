// The HTTP server as the proxy's front door: limits answered with a status, health handlers that
// never wait behind blocking calls, HTTP/2 connections handed over with every byte intact, and
// the connection limit.
#include "http_server.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

#include "front_door.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace cloudstate::proxy {
namespace {

constexpr int kGenerousMs = 30000;  // an upper bound for events, never a timing assertion

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads until the peer closes (or the generous bound passes); returns what arrived.
std::string ReadUntilClose(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kGenerousMs) <= 0) {
      break;
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// The status code of the first response in `raw`, or 0.
int StatusOf(const std::string& raw) {
  if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0) {
    return 0;
  }
  return std::atoi(raw.substr(9, 3).c_str());
}

std::string Request(int port, const std::string& raw) {
  const int fd = Connect(port);
  if (fd < 0) {
    return "";
  }
  SendAll(fd, raw);
  std::string out = ReadUntilClose(fd);
  close(fd);
  return out;
}

std::string Get(int port, const std::string& path) {
  return Request(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

HttpResponse Ok(const HttpRequest&) { return HttpResponse{200, "text/plain", "OK"}; }

TEST(HttpServerTest, HealthAnswersWhileEveryFallbackThreadIsBlocked) {
  HttpServer::Options options;
  options.threads = 1;
  options.handler_threads = 4;
  HttpServer server(options);
  server.Handle("/alive", Ok);
  absl::Notification release;
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  server.SetFallback([&](const HttpRequest&) {
    {
      std::lock_guard lock(mu);
      ++inside;
    }
    cv.notify_all();
    release.WaitForNotification();
    return HttpResponse{200, "text/plain", "slow"};
  });
  ASSERT_TRUE(server.Start().ok());

  std::vector<std::thread> slow;
  std::atomic<int> slow_ok{0};
  for (int i = 0; i < 8; ++i) {  // twice the handler threads: some wait in the queue
    slow.emplace_back([&] {
      if (StatusOf(Get(server.port(), "/slow")) == 200) {
        ++slow_ok;
      }
    });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(
        cv.wait_for(lock, std::chrono::milliseconds(kGenerousMs), [&] { return inside == 4; }));
  }
  // Every handler thread is blocked: health still answers.
  EXPECT_EQ(StatusOf(Get(server.port(), "/alive")), 200);
  release.Notify();
  for (auto& t : slow) {
    t.join();
  }
  EXPECT_EQ(slow_ok, 8);
  server.Stop();
}

TEST(HttpServerTest, OversizedBodyGets413AndOversizedHeadGets431) {
  HttpServer::Options options;
  options.max_body_bytes = 1024 * 1024;
  options.max_header_bytes = 8 * 1024;
  HttpServer server(options);
  server.SetFallback(Ok);
  ASSERT_TRUE(server.Start().ok());

  // Declared too large: refused from the head alone, while the client is still sending.
  const std::string big_body(1024 * 1024 + 1, 'x');
  std::string raw = Request(server.port(),
                            "POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: " +
                                std::to_string(big_body.size()) + "\r\n\r\n" + big_body);
  EXPECT_EQ(StatusOf(raw), 413) << raw.substr(0, 200);
  EXPECT_NE(raw.find("Connection: close"), std::string::npos);

  // Chunked, so the limit is only found while reading the body.
  std::string chunked = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) {
    chunked += "10000\r\n" + std::string(0x10000, 'y') + "\r\n";
  }
  chunked += "0\r\n\r\n";
  EXPECT_EQ(StatusOf(Request(server.port(), chunked)), 413);

  raw = Request(server.port(),
                "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9 * 1024, 'h') + "\r\n\r\n");
  EXPECT_EQ(StatusOf(raw), 431) << raw.substr(0, 200);

  EXPECT_EQ(StatusOf(Request(server.port(), "NOT HTTP AT ALL\r\n\r\n")), 400);
  // Within the limits all is well.
  EXPECT_EQ(StatusOf(Get(server.port(), "/x")), 200);
  server.Stop();
}

// Accepts handed-over descriptors and reads what the client sent on them.
class Http2Sink {
 public:
  void Take(int fd) {
    std::lock_guard lock(mu_);
    fds_.push_back(fd);
    cv_.notify_all();
  }
  int Await() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::milliseconds(kGenerousMs),
                      [&] { return !fds_.empty(); })) {
      return -1;
    }
    const int fd = fds_.front();
    fds_.erase(fds_.begin());
    return fd;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> fds_;
};

std::string ReadExactly(int fd, size_t n) {
  std::string out;
  char buf[256];
  while (out.size() < n) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kGenerousMs) <= 0) {
      break;
    }
    const ssize_t got = recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (got <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

TEST(HttpServerTest, Http2ConnectionsAreHandedOverWithEveryByteAndHttp1StaysHere) {
  Http2Sink sink;
  HttpServer::Options options;
  options.http2_handoff = [&](int fd) { sink.Take(fd); };
  HttpServer server(options);
  server.Handle("/alive", Ok);
  ASSERT_TRUE(server.Start().ok());

  const std::string sent = std::string(kHttp2Preface) + "first frame bytes";
  const int client = Connect(server.port());
  ASSERT_TRUE(SendAll(client, sent));
  const int handed = sink.Await();
  ASSERT_GE(handed, 0);
  EXPECT_EQ(ReadExactly(handed, sent.size()), sent);  // nothing was consumed while sniffing
  close(handed);
  close(client);

  // The preface split after two bytes: still recognised, still intact.
  const int split = Connect(server.port());
  ASSERT_TRUE(SendAll(split, "PR"));
  EXPECT_EQ(StatusOf(Get(server.port(), "/alive")), 200);  // other connections go on meanwhile
  ASSERT_TRUE(SendAll(split, std::string(kHttp2Preface.substr(2))));
  const int handed2 = sink.Await();
  ASSERT_GE(handed2, 0);
  EXPECT_EQ(ReadExactly(handed2, kHttp2Preface.size()), kHttp2Preface);
  close(handed2);
  close(split);

  EXPECT_EQ(StatusOf(Get(server.port(), "/alive")), 200);
  EXPECT_EQ(StatusOf(Get(server.port(), "/other")), 404);
  server.Stop();
}

TEST(HttpServerTest, KnativeQueueProbeIsAnsweredLikeTheOriginal) {
  HttpServer::Options options;
  options.knative_probe = true;
  HttpServer server(options);
  server.SetFallback(Ok);
  ASSERT_TRUE(server.Start().ok());
  std::string raw =
      Request(server.port(),
              "GET /x HTTP/1.1\r\nHost: x\r\nK-Network-Probe: queue\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(raw), 200);
  EXPECT_EQ(raw.substr(raw.size() - 5), "queue");
  EXPECT_EQ(StatusOf(Request(server.port(),
                             "GET /x HTTP/1.1\r\nHost: x\r\nK-Network-Probe: other\r\n"
                             "Connection: close\r\n\r\n")),
            400);
  server.Stop();
}

TEST(HttpServerTest, AcceptingPausesAtTheConnectionLimitAndResumes) {
  HttpServer::Options options;
  options.max_connections = 2;
  HttpServer server(options);
  server.Handle("/alive", Ok);
  ASSERT_TRUE(server.Start().ok());

  const int a = Connect(server.port());
  const int b = Connect(server.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  // Both idle connections are being served (an answered request proves each was accepted).
  ASSERT_TRUE(SendAll(a, "GET /alive HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(SendAll(b, "GET /alive HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(StatusOf(ReadExactly(a, 12)), 200);
  EXPECT_EQ(StatusOf(ReadExactly(b, 12)), 200);
  // A third waits in the backlog; once one of the two closes it is served.
  const int c = Connect(server.port());
  ASSERT_GE(c, 0);
  ASSERT_TRUE(SendAll(c, "GET /alive HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_LE(server.open_connections(), 2);
  close(a);
  EXPECT_EQ(StatusOf(ReadUntilClose(c)), 200);
  EXPECT_LE(server.open_connections(), 2);
  close(b);
  close(c);
  server.Stop();
}

}  // namespace
}  // namespace cloudstate::proxy
