#include "cloudstate/tck/bench/echo_child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#include "cloudstate/tck/bench/grpc_load.h"
#include <sys/wait.h>

extern char** environ;

namespace cloudstate::tck::bench {
namespace {

constexpr char kListening[] = "echo listening on ";

}  // namespace

int ServeEchoUntilStdinCloses() {
  auto server = EchoServer::Start();
  if (!server.ok()) {
    std::cerr << "error: " << server.status().message() << "\n";
    return 2;
  }
  std::cout << kListening << (*server)->address() << std::endl;
  char buffer[256];
  while (true) {
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n == 0 || (n < 0 && errno != EINTR)) {
      break;
    }
  }
  return 0;
}

absl::StatusOr<std::unique_ptr<EchoChild>> EchoChild::Start(const std::string& executable,
                                                            double timeout_seconds) {
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe failed");
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return absl::InternalError("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  std::vector<std::string> args = {executable, "bench", "--echo-server"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::unique_ptr<EchoChild> child(new EchoChild());
  const int rc =
      posix_spawn(&child->pid_, executable.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  child->stdin_fd_ = in_pipe[1];
  if (rc != 0) {
    child->pid_ = -1;
    close(out_pipe[0]);
    return absl::InternalError(absl::StrCat("cannot start ", executable, ": ", strerror(rc)));
  }
  // Read the first line (the address), with a deadline.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      break;
    }
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) {
      continue;
    }
    char buffer[256];
    const ssize_t n = read(out_pipe[0], buffer, sizeof(buffer));
    if (n <= 0) {
      break;
    }
    line.append(buffer, static_cast<size_t>(n));
  }
  close(out_pipe[0]);
  absl::string_view first(line);
  first = first.substr(0, first.find('\n'));
  if (!absl::ConsumePrefix(&first, kListening)) {
    return absl::UnavailableError(
        absl::StrCat("echo server child did not report its address (got '", first, "')"));
  }
  child->address_.assign(first.data(), first.size());
  return child;
}

EchoChild::~EchoChild() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);
  }
  if (pid_ <= 0) {
    return;
  }
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // bounded reap of the child
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

}  // namespace cloudstate::tck::bench
