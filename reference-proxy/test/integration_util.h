#pragma once
// Helpers for the proxy's integration tests: the reference function as a child process (optionally
// with deliberate faults, restartable on the same port), an in-process proxy, and a tiny HTTP GET.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"

#include "cloudstate/proxy/proxy.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

namespace cloudstate::proxy::testing {

// Starts the reference function and reads its port from the "listening on" log line.
class ReferenceFunction {
 public:
  explicit ReferenceFunction(std::vector<std::string> extra_args = {})
      : extra_args_(std::move(extra_args)) {}
  ReferenceFunction(const ReferenceFunction&) = delete;
  ReferenceFunction& operator=(const ReferenceFunction&) = delete;
  ~ReferenceFunction() { Stop(); }

  // port 0 = ephemeral; pass the old port to restart in place.
  bool Start(int port = 0) {
    int fds[2];
    if (pipe(fds) != 0) {
      return false;
    }
    std::vector<std::string> args = {CS_REFERENCE_FUNCTION_BINARY, "--host", "127.0.0.1", "--port",
                                     std::to_string(port)};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      std::vector<char*> argv;
      for (auto& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
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
        // Keep draining the child's output so it never blocks on a full pipe.
        FILE* out = out_;
        out_ = nullptr;
        const bool echo = getenv("CS_TEST_FUNCTION_LOG") != nullptr;
        drain_ = std::thread([out, echo] {
          char buf[4096];
          while (fgets(buf, sizeof(buf), out) != nullptr) {
            if (echo) {
              fprintf(stderr, "[function] %s", buf);
            }
          }
          fclose(out);
        });
        return true;
      }
    }
    return false;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (drain_.joinable()) {
      drain_.join();
    }
    if (out_ != nullptr) {
      fclose(out_);
      out_ = nullptr;
    }
  }

  int port() const { return port_; }

 private:
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::thread drain_;
  int port_ = 0;
};

inline ProxyOptions TestProxyOptions(int function_port) {
  ProxyOptions options;
  options.user_function_port = function_port;
  options.bind = "127.0.0.1";
  options.management_port = -1;
  options.http_port = 0;
  options.discovery_backoff_min = absl::Milliseconds(50);
  options.discovery_max_attempts = 100;
  options.shutdown_timeout = absl::Seconds(2);
  options.worker_threads = 2;
  return options;
}

inline std::unique_ptr<grpc::ClientContext> Ctx(int seconds = 30) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return ctx;
}

// An HTTP/1.1 request to 127.0.0.1:port; returns "<status>\n<body>" or "" on a connection error.
inline std::string HttpCall(int port, const std::string& method, const std::string& path,
                            const std::string& body = "") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return "";
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (method != "GET") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return "";
  }
  std::string response;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  const size_t sp = response.find(' ');
  const size_t body_start = response.find("\r\n\r\n");
  if (sp == std::string::npos || body_start == std::string::npos) {
    return "";
  }
  return response.substr(sp + 1, 3) + "\n" + response.substr(body_start + 4);
}

inline std::string HttpGet(int port, const std::string& path) {
  return HttpCall(port, "GET", path);
}

// The value of a metric line that starts with `prefix` (name + labels), or -1.
inline double MetricValue(const std::string& metrics, const std::string& prefix) {
  size_t pos = 0;
  while ((pos = metrics.find(prefix, pos)) != std::string::npos) {
    if (pos == 0 || metrics[pos - 1] == '\n') {
      const size_t space = metrics.find(' ', pos + prefix.size());
      const size_t eol = metrics.find('\n', pos);
      if (space != std::string::npos && space < eol) {
        return std::stod(metrics.substr(space + 1, eol - space - 1));
      }
    }
    pos += prefix.size();
  }
  return -1;
}

// Polls `condition` until it holds or `seconds` pass (waiting on an observable event, not timing).
inline bool Eventually(const std::function<bool()>& condition, int seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace cloudstate::proxy::testing
