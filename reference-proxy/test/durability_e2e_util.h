#pragma once
// Helpers for the end-to-end durability test: child processes whose output is collected by a
// reader thread (so tests wait on a log line instead of sleeping, and the child never blocks on a
// full pipe), plus timeout scaling.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

extern char** environ;

namespace cloudstate::proxy::e2e {

// CS_TIME_SCALE stretches every timeout (slow CI, sanitizers), as in the TCK integration test.
inline double TimeScale() {
  const char* s = std::getenv("CS_TIME_SCALE");
  const double v = s != nullptr ? std::atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

inline std::chrono::milliseconds Scaled(std::chrono::milliseconds base) {
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base.count()) * TimeScale()));
}

// A child process with stdout and stderr in one pipe. Every line is kept in memory and appended
// to `log_path` (evidence when a test fails).
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Kill(SIGKILL); }

  // Starts `argv[0]` with `argv`. Returns an error text, empty on success.
  std::string Start(const std::vector<std::string>& argv, const std::string& log_path,
                    const std::string& label) {
    int fds[2];
    // O_CLOEXEC: the write end must not leak into the other children, or EOF never comes.
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return "pipe2 failed";
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    std::vector<std::string> args = argv;
    std::vector<char*> raw;
    for (std::string& a : args) {
      raw.push_back(a.data());
    }
    raw.push_back(nullptr);
    const int rc = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      pid_ = -1;
      return "cannot start " + argv[0];
    }
    log_.open(log_path, std::ios::app);
    log_ << "==== " << label << " pid " << pid_ << " ====\n" << std::flush;
    reader_ = std::thread([this, fd = fds[0]] { ReadLoop(fd); });
    return "";
  }

  // Waits until a line matches `pattern`; returns its capture groups, or nullopt on timeout/EOF.
  std::optional<std::smatch> WaitForLine(const std::regex& pattern,
                                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    size_t next = 0;
    std::optional<std::smatch> found;
    cv_.wait_for(lock, timeout, [&] {
      for (; next < lines_.size(); ++next) {
        std::smatch m;
        if (std::regex_search(lines_[next], m, pattern)) {
          found = m;
          return true;
        }
      }
      return eof_;
    });
    return found;
  }

  // Sends `sig` and reaps the process (idempotent). Returns the wait status, or -1.
  int Kill(int sig) {
    int status = -1;
    if (pid_ > 0) {
      kill(pid_, sig);
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (reader_.joinable()) {
      reader_.join();  // EOF follows the exit because no other process holds the write end
    }
    return status;
  }

  pid_t pid() const { return pid_; }

  std::string Output() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const std::string& l : lines_) {
      out += l + "\n";
    }
    return out;
  }

 private:
  void ReadLoop(int fd) {
    std::string buffer;
    char chunk[4096];
    while (true) {
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
      size_t eol;
      while ((eol = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, eol);
        buffer.erase(0, eol + 1);
        std::lock_guard lock(mu_);
        log_ << line << "\n" << std::flush;
        lines_.push_back(std::move(line));
        cv_.notify_all();
      }
    }
    close(fd);
    std::lock_guard lock(mu_);
    if (!buffer.empty()) {
      log_ << buffer << "\n";
      lines_.push_back(buffer);
    }
    log_ << "==== EOF ====\n" << std::flush;
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
  std::ofstream log_;
};

}  // namespace cloudstate::proxy::e2e
