#pragma once
// Child processes for the front-door tests: the proxy binary with its own environment and
// optionally a lower descriptor limit, its output collected line by line so that tests wait on
// log lines (events) rather than on time.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

namespace cloudstate::proxy::testing {

// CS_TIME_SCALE stretches every bound (slow CI, sanitizers).
inline std::chrono::milliseconds ScaledMs(int64_t ms) {
  const char* s = std::getenv("CS_TIME_SCALE");
  const double v = s != nullptr && std::atof(s) > 0 ? std::atof(s) : 1.0;
  return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(ms) * v));
}

// A port that was free a moment ago (for tests that must name the port up front, as a
// deployment does with HTTP_PORT).
inline int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class Process {
 public:
  struct Spec {
    std::vector<std::string> args;
    std::vector<std::string> env;  // "NAME=value", replacing the whole environment when set
    bool clear_env = false;
    int nofile_limit = 0;  // RLIMIT_NOFILE for the child; 0 = inherit
  };

  explicit Process(Spec spec) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      if (spec.nofile_limit > 0) {
        rlimit limit{static_cast<rlim_t>(spec.nofile_limit),
                     static_cast<rlim_t>(spec.nofile_limit)};
        setrlimit(RLIMIT_NOFILE, &limit);
      }
      std::vector<char*> argv;
      for (auto& a : spec.args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      std::vector<char*> envp;
      for (auto& e : spec.env) {
        envp.push_back(e.data());
      }
      envp.push_back(nullptr);
      if (spec.clear_env) {
        execve(argv[0], argv.data(), envp.data());
      } else {
        for (auto& e : spec.env) {
          putenv(e.data());
        }
        execv(argv[0], argv.data());
      }
      _exit(127);
    }
    close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] {
      FILE* in = fdopen(fd, "r");
      char buf[8192];
      while (fgets(buf, sizeof(buf), in) != nullptr) {
        std::lock_guard lock(mu_);
        lines_.emplace_back(buf);
        cv_.notify_all();
      }
      fclose(in);
      std::lock_guard lock(mu_);
      eof_ = true;
      cv_.notify_all();
    });
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) {
      reader_.join();
    }
  }

  // The first capture group of the first line matching `pattern`, waiting up to `bound`.
  std::optional<std::string> AwaitLine(const std::regex& pattern, std::chrono::milliseconds bound) {
    std::unique_lock lock(mu_);
    size_t seen = 0;
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (true) {
      for (; seen < lines_.size(); ++seen) {
        std::smatch m;
        if (std::regex_search(lines_[seen], m, pattern)) {
          return m.size() > 1 ? m[1].str() : m[0].str();
        }
      }
      if (eof_ || cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
        if (seen == lines_.size()) {
          return std::nullopt;
        }
      }
    }
  }

  int CountLines(const std::string& needle) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& l : lines_) {
      n += l.find(needle) != std::string::npos ? 1 : 0;
    }
    return n;
  }

  std::string Log() {
    std::lock_guard lock(mu_);
    std::string out;
    const size_t from = lines_.size() > 60 ? lines_.size() - 60 : 0;
    for (size_t i = from; i < lines_.size(); ++i) {
      out += lines_[i];
    }
    return out;
  }

  void Signal(int sig) {
    if (pid_ > 0 && !exited_) {
      kill(pid_, sig);
    }
  }

  // Waits for the process to end (polling waitpid, up to `bound`); the wait status, or nullopt
  // if it is still running.
  std::optional<int> AwaitExit(std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (true) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return status;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

}  // namespace cloudstate::proxy::testing
