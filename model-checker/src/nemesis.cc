#include "cloudstate/model_checker/nemesis.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "grpcpp/grpcpp.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

namespace cloudstate::model_checker {

// ---------------------------------------------------------------------------------------------
// Processes

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const std::string& command,
                                                                  const std::string& log_path) {
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the log ", log_path, ": ", std::strerror(errno)));
  }
  const std::string shell_command = "exec " + command;
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(log);
    return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(error)));
  }
  if (pid == 0) {
    // The child: its own process group (so that signals reach what it starts), output to the log.
    ::setpgid(0, 0);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
    }
    ::execl("/bin/sh", "sh", "-c", shell_command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so a signal sent right away reaches the group
  ::close(log);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    Kill();
  }
}

bool ChildProcess::Running() {
  if (reaped_) {
    return false;
  }
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void ChildProcess::Signal(int signal) {
  if (!reaped_) {
    ::kill(-pid_, signal);
  }
}

void ChildProcess::Kill() {
  if (reaped_) {
    return;
  }
  ::kill(-pid_, SIGKILL);
  ::kill(-pid_, SIGCONT);  // a stopped process dies only once it runs
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

void ChildProcess::Terminate(std::chrono::milliseconds grace) {
  if (reaped_) {
    return;
  }
  ::kill(-pid_, SIGCONT);
  ::kill(-pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  // waitpid has no timeout; poll the exit at a short interval until the grace period ends.
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
}

absl::StatusOr<int> PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("no free loopback port: ", std::strerror(error)));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string Substitute(std::string text,
                       const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::pair<std::string, std::string>> replacements;
  for (const auto& [name, value] : values) {
    replacements.emplace_back("{" + name + "}", value);
  }
  return absl::StrReplaceAll(text, replacements);
}

// ---------------------------------------------------------------------------------------------
// The system under test

SystemUnderTest::~SystemUnderTest() {
  // Clients first, then the proxy (it may still talk to the function), then the function.
  client_relay_.reset();
  if (proxy_ != nullptr) {
    proxy_->Terminate(std::chrono::seconds(10));
  }
  function_relay_.reset();
  if (function_ != nullptr) {
    function_->Terminate(std::chrono::seconds(10));
  }
}

std::string SystemUnderTest::log_path(const std::string& role) const {
  return absl::StrCat(options_.log_dir, "/", options_.run_id, "-", role, ".log");
}

std::string SystemUnderTest::proxy_address() const {
  return options_.proxy_command.empty() ? options_.proxy_address
                                        : absl::StrCat("127.0.0.1:", proxy_port_);
}

std::string SystemUnderTest::client_address() const {
  return client_relay_ != nullptr ? client_relay_->address() : proxy_address();
}

absl::Status SystemUnderTest::StartFunction() {
  auto port = PickFreePort();
  if (!port.ok()) {
    return port.status();
  }
  auto process = ChildProcess::Spawn(
      Substitute(options_.function_command, {{"port", absl::StrCat(*port)}}), log_path("function"));
  if (!process.ok()) {
    return process.status();
  }
  function_ = *std::move(process);
  const std::string address = absl::StrCat("127.0.0.1:", *port);
  if (function_relay_ == nullptr) {
    auto relay = FaultRelay::Start({.upstream = address, .seed = options_.seed * 31 + 1});
    if (!relay.ok()) {
      return relay.status();
    }
    function_relay_ = *std::move(relay);
    return absl::OkStatus();
  }
  return function_relay_->SetUpstream(address);
}

absl::Status SystemUnderTest::StartProxy() {
  const std::string function = function_relay_ != nullptr ? function_relay_->address() : "";
  auto process =
      ChildProcess::Spawn(Substitute(options_.proxy_command,
                                     {{"port", absl::StrCat(proxy_port_)}, {"function", function}}),
                          log_path("proxy"));
  if (!process.ok()) {
    return process.status();
  }
  proxy_ = *std::move(process);
  return AwaitProxy();
}

absl::Status SystemUnderTest::AwaitProxy() {
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(options_.ready_timeout_seconds * 1000));
  // A fresh channel each time, so that no reconnect back-off from an earlier try delays it.
  while (std::chrono::system_clock::now() < deadline) {
    if (proxy_ != nullptr && !proxy_->Running()) {
      return absl::UnavailableError(
          absl::StrCat("the proxy exited during start-up; its log: ", log_path("proxy")));
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel =
        grpc::CreateCustomChannel(proxy_address(), grpc::InsecureChannelCredentials(), args);
    if (channel->WaitForConnected(std::min(
            deadline, std::chrono::system_clock::now() + std::chrono::milliseconds(500)))) {
      return absl::OkStatus();
    }
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the proxy at ", proxy_address(),
                   " did not accept connections; its log: ", log_path("proxy")));
}

absl::Status SystemUnderTest::Start(const SystemOptions& options) {
  options_ = options;
  if (options_.proxy_command.empty() && options_.proxy_address.empty()) {
    return absl::InvalidArgumentError("give a proxy address or a proxy command");
  }
  if (!options_.function_command.empty() && options_.proxy_command.empty()) {
    return absl::InvalidArgumentError(
        "a function command needs a proxy command too (the proxy must call the function through "
        "the checker's relay)");
  }
  if (!options_.function_command.empty()) {
    if (absl::Status s = StartFunction(); !s.ok()) {
      return s;
    }
  }
  if (!options_.proxy_command.empty()) {
    auto port = PickFreePort();
    if (!port.ok()) {
      return port.status();
    }
    proxy_port_ = *port;
    if (absl::Status s = StartProxy(); !s.ok()) {
      return s;
    }
  }
  if (options_.relay_clients) {
    auto relay = FaultRelay::Start({.upstream = proxy_address(), .seed = options_.seed * 31 + 2});
    if (!relay.ok()) {
      return relay.status();
    }
    client_relay_ = *std::move(relay);
  }
  return absl::OkStatus();
}

absl::Status SystemUnderTest::RestartFunction() {
  if (function_ != nullptr) {
    function_->Kill();
  }
  return StartFunction();
}

absl::Status SystemUnderTest::RestartProxy() {
  if (proxy_ != nullptr) {
    proxy_->Kill();
  }
  return StartProxy();
}

// ---------------------------------------------------------------------------------------------
// Nemeses

const std::vector<std::pair<std::string, std::string>>& KnownNemeses() {
  static const auto* known = new std::vector<std::pair<std::string, std::string>>{
      {"reset-clients", "reset every client connection to the proxy"},
      {"hold-clients", "hold the bytes between clients and proxy, both ways (a partition)"},
      {"latency-clients", "add 10 ms + up to 20 ms of latency between clients and proxy"},
      {"reset-function", "reset every connection from the proxy to the function"},
      {"hold-function", "hold the bytes between proxy and function, both ways"},
      {"black-hole-function", "swallow the proxy's bytes to the function, then reset"},
      {"kill-function", "kill -9 the function, restart it after the fault's length"},
      {"pause-function", "SIGSTOP the function for the fault's length"},
      {"kill-proxy", "kill -9 the proxy, restart it on its port after the fault's length"},
      {"pause-proxy", "SIGSTOP the proxy for the fault's length"},
  };
  return *known;
}

absl::Status ValidateNemeses(const std::vector<std::string>& kinds, const SystemOptions& system) {
  for (const std::string& kind : kinds) {
    const auto& known = KnownNemeses();
    if (std::none_of(known.begin(), known.end(), [&](const auto& k) { return k.first == kind; })) {
      std::vector<std::string> names;
      for (const auto& k : known) {
        names.push_back(k.first);
      }
      return absl::InvalidArgumentError(
          absl::StrCat("unknown nemesis \"", kind, "\"; known: ", absl::StrJoin(names, ", ")));
    }
    if (absl::EndsWith(kind, "-function") && system.function_command.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "nemesis ", kind, " needs --function-command (the checker must own the function)"));
    }
    if (absl::EndsWith(kind, "-proxy") && system.proxy_command.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "nemesis ", kind, " needs --proxy-command (the checker must own the proxy)"));
    }
  }
  return absl::OkStatus();
}

Nemesis::Nemesis(SystemUnderTest& sut, NemesisOptions options, uint64_t seed,
                 std::function<int64_t()> now)
    : sut_(sut), options_(std::move(options)), rng_(seed ^ 0x6e656d65736973ULL), now_(now) {}

Nemesis::~Nemesis() {
  if (thread_.joinable()) {
    Stop();
  }
}

void Nemesis::Start() {
  if (!options_.kinds.empty()) {
    thread_ = std::thread([this] { Run(); });
  }
}

std::vector<FaultWindow> Nemesis::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_changed_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  std::lock_guard lock(mutex_);
  return windows_;
}

std::vector<std::string> Nemesis::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

bool Nemesis::WaitOrStop(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  // The schedule itself is made of time windows: this wait is the nemesis's work, not a test
  // waiting for an event.
  return !stop_changed_.wait_for(lock, duration, [this] { return stop_; });
}

void Nemesis::Run() {
  while (WaitOrStop(options_.every)) {
    const std::string kind =
        options_.kinds[std::uniform_int_distribution<size_t>(0, options_.kinds.size() - 1)(rng_)];
    FaultWindow window;
    window.name = kind;
    window.start = now_();
    absl::Status injected = Inject(kind, window);
    WaitOrStop(options_.length);
    absl::Status healed = Heal(kind);
    window.end = now_();
    std::lock_guard lock(mutex_);
    for (const absl::Status& s : {injected, healed}) {
      if (!s.ok()) {
        errors_.push_back(absl::StrCat(kind, ": ", s.message()));
      }
    }
    windows_.push_back(std::move(window));
  }
}

absl::Status Nemesis::Inject(const std::string& kind, FaultWindow& window) {
  FaultRelay* clients = sut_.client_relay();
  FaultRelay* function = sut_.function_relay();
  if (kind == "reset-clients") {
    clients->ResetConnections();
    window.description = "client connections reset";
  } else if (kind == "hold-clients") {
    clients->Set(Direction::kToUpstream, {.hold = true});
    clients->Set(Direction::kToClient, {.hold = true});
    window.description = "clients and proxy partitioned (bytes held)";
  } else if (kind == "latency-clients") {
    const LinkFaults slow{.latency = std::chrono::milliseconds(10),
                          .jitter = std::chrono::milliseconds(20)};
    clients->Set(Direction::kToUpstream, slow);
    clients->Set(Direction::kToClient, slow);
    window.description = "latency between clients and proxy: " + slow.Describe();
  } else if (kind == "reset-function") {
    function->ResetConnections();
    window.description = "proxy-to-function connections reset";
  } else if (kind == "hold-function") {
    function->Set(Direction::kToUpstream, {.hold = true});
    function->Set(Direction::kToClient, {.hold = true});
    window.description = "proxy and function partitioned (bytes held)";
  } else if (kind == "black-hole-function") {
    function->Set(Direction::kToUpstream, {.black_hole = true});
    window.description = "the proxy's bytes to the function swallowed, then connections reset";
  } else if (kind == "kill-function") {
    sut_.function()->Kill();
    window.description = "function killed (SIGKILL), restarted after the window";
  } else if (kind == "pause-function") {
    sut_.function()->Signal(SIGSTOP);
    window.description = "function paused (SIGSTOP)";
  } else if (kind == "kill-proxy") {
    sut_.proxy()->Kill();
    window.description = "proxy killed (SIGKILL), restarted after the window";
  } else if (kind == "pause-proxy") {
    sut_.proxy()->Signal(SIGSTOP);
    window.description = "proxy paused (SIGSTOP)";
  }
  return absl::OkStatus();
}

absl::Status Nemesis::Heal(const std::string& kind) {
  if (absl::EndsWith(kind, "-clients")) {
    sut_.client_relay()->Heal();
  } else if (kind == "black-hole-function") {
    // The stream has a gap now; a real network would have timed the connection out.
    sut_.function_relay()->ResetConnections();
    sut_.function_relay()->Heal();
  } else if (kind == "reset-function" || kind == "hold-function") {
    sut_.function_relay()->Heal();
  } else if (kind == "kill-function") {
    return sut_.RestartFunction();
  } else if (kind == "pause-function") {
    sut_.function()->Signal(SIGCONT);
  } else if (kind == "kill-proxy") {
    return sut_.RestartProxy();
  } else if (kind == "pause-proxy") {
    sut_.proxy()->Signal(SIGCONT);
  }
  return absl::OkStatus();
}

}  // namespace cloudstate::model_checker
