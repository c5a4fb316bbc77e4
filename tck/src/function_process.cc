#include "cloudstate/tck/function_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "yaml-cpp/yaml.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char** environ;

namespace cloudstate::tck {

absl::StatusOr<FunctionConfig> ParseFunctionConfig(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config is not valid YAML: ", e.what()));
  }
  YAML::Node fn = root["function"];
  if (!fn || !fn.IsMap()) {
    return absl::InvalidArgumentError("config needs a `function:` map");
  }
  FunctionConfig config;
  try {
    if (!fn["command"] || fn["command"].as<std::string>().empty()) {
      return absl::InvalidArgumentError("config: function.command is required");
    }
    config.command = fn["command"].as<std::string>();
    if (fn["args"]) {
      if (!fn["args"].IsSequence()) {
        return absl::InvalidArgumentError("config: function.args must be a list");
      }
      for (const auto& a : fn["args"]) {
        config.args.push_back(a.as<std::string>());
      }
    }
    if (fn["env"]) {
      if (!fn["env"].IsMap()) {
        return absl::InvalidArgumentError("config: function.env must be a map");
      }
      for (const auto& kv : fn["env"]) {
        config.env[kv.first.as<std::string>()] = kv.second.as<std::string>();
      }
    }
    if (fn["working_dir"]) {
      config.working_dir = fn["working_dir"].as<std::string>();
    }
    if (fn["host"]) {
      config.host = fn["host"].as<std::string>();
    }
    if (fn["port"]) {
      config.port = fn["port"].as<int>();
      if (config.port < 0 || config.port > 65535) {
        return absl::InvalidArgumentError("config: function.port must be 0..65535");
      }
    }
    if (fn["startup_timeout"]) {
      config.startup_timeout_seconds = fn["startup_timeout"].as<double>();
    }
    if (fn["restart"]) {
      config.restart = fn["restart"].as<bool>();
    }
    if (fn["log_file"]) {
      config.log_file = fn["log_file"].as<std::string>();
    }
    for (const auto& kv : fn) {
      static const char* kKnown[] = {"command",         "args",    "env",
                                     "working_dir",     "host",    "port",
                                     "startup_timeout", "restart", "log_file"};
      std::string key = kv.first.as<std::string>();
      bool known = false;
      for (const char* k : kKnown) {
        known = known || key == k;
      }
      if (!known) {
        return absl::InvalidArgumentError(absl::StrCat("config: unknown key function.", key));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", e.what()));
  }
  return config;
}

absl::StatusOr<FunctionConfig> LoadFunctionConfig(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
  }
  std::fclose(f);
  return ParseFunctionConfig(text);
}

absl::StatusOr<int> PickFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return absl::InternalError("socket() failed");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return absl::InternalError("bind() failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

FunctionProcess::FunctionProcess(FunctionConfig config, std::string log_path)
    : config_(std::move(config)), log_path_(std::move(log_path)) {}

FunctionProcess::~FunctionProcess() { Stop(std::chrono::milliseconds(3000)); }

std::string FunctionProcess::address() const {
  return absl::StrCat(config_.host, ":", config_.port);
}

absl::Status FunctionProcess::Spawn() {
  if (config_.port == 0) {
    auto port = PickFreePort();
    if (!port.ok()) {
      return port.status();
    }
    config_.port = *port;
  }
  auto subst = [this](const std::string& s) {
    return absl::StrReplaceAll(
        s, {{"${PORT}", absl::StrCat(config_.port)}, {"${HOST}", config_.host}});
  };
  std::vector<std::string> argv_s = {config_.command};
  for (const auto& a : config_.args) {
    argv_s.push_back(subst(a));
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : config_.env) {
    env[k] = subst(v);
  }
  std::vector<std::string> env_s;
  for (const auto& [k, v] : env) {
    env_s.push_back(absl::StrCat(k, "=", v));
  }
  std::vector<char*> argv;
  for (auto& s : argv_s) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& s : env_s) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = log_path_.empty() ? "/dev/null" : log_path_;
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!config_.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, config_.working_dir.c_str());
  }
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, config_.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start ", config_.command, ": ", std::strerror(rc)));
  }
  pid_ = pid;
  return absl::OkStatus();
}

std::optional<std::string> FunctionProcess::ExitDescription() {
  if (pid_ <= 0) {
    return std::string("not running");
  }
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) {
    return std::nullopt;
  }
  pid_ = -1;
  if (r < 0) {
    return std::string("vanished");
  }
  if (WIFEXITED(status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  return std::string("stopped");
}

std::optional<std::string> FunctionProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (auto exit = ExitDescription()) {
    return exit;
  }
  // A pidfd becomes readable when the process exits: wait on that event instead of polling.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (fd >= 0) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    (void)::poll(&p, 1, static_cast<int>(timeout.count()));
    ::close(fd);
    return ExitDescription();
  }
  // Kernels without pidfd_open: poll our own child.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto exit = ExitDescription()) {
      return exit;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ExitDescription();
}

void FunctionProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != 0) {
      pid_ = -1;
      return;
    }
    // Shutdown polling of our own child; not a case wait.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace cloudstate::tck
