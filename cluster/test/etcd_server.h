#pragma once
// A real etcd for the integration tests: the one named by CS_ETCD_ENDPOINT (ci/etcd.sh), else a
// single-member etcd started from CS_ETCD_BINARY on free loopback ports with a temporary data
// directory. Available() is false (tests skip) when neither exists.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/time.h"

#include "cloudstate/cluster/etcd_client.h"
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

extern char** environ;

namespace cloudstate::cluster::testing {

// CS_TIME_SCALE stretches every timeout (slow CI, sanitizers).
inline absl::Duration Scaled(absl::Duration base) {
  const char* s = std::getenv("CS_TIME_SCALE");
  double scale = s != nullptr ? std::atof(s) : 1.0;
  if (scale < 1.0) {
    scale = 1.0;
  }
  return base * scale;
}

class EtcdServer {
 public:
  EtcdServer() {
    if (const char* endpoint = std::getenv("CS_ETCD_ENDPOINT"); endpoint != nullptr && *endpoint) {
      endpoint_ = endpoint;
      return;
    }
#ifdef CS_ETCD_BINARY
    if (!std::filesystem::exists(CS_ETCD_BINARY)) {
      return;
    }
    char dir_template[] = "/tmp/cs-etcd-test.XXXXXX";
    if (mkdtemp(dir_template) == nullptr) {
      return;
    }
    dir_ = dir_template;
    const int client_port = FreePort();
    const int peer_port = FreePort();
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port);
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
    std::vector<std::string> args = {CS_ETCD_BINARY,
                                     "--name",
                                     "cs-test",
                                     "--data-dir",
                                     dir_ + "/data",
                                     "--listen-client-urls",
                                     client,
                                     "--advertise-client-urls",
                                     client,
                                     "--listen-peer-urls",
                                     peer,
                                     "--initial-advertise-peer-urls",
                                     peer,
                                     "--initial-cluster",
                                     "cs-test=" + peer,
                                     "--logger",
                                     "zap",
                                     "--log-outputs",
                                     dir_ + "/etcd.log"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    // Its output goes to a file: a child holding the test's stdout would keep pipes open.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = dir_ + "/stdout.log";
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int spawned = posix_spawn(&pid_, CS_ETCD_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      pid_ = -1;
      return;
    }
    endpoint_ = "127.0.0.1:" + std::to_string(client_port);
#endif
  }

  ~EtcdServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  bool Available() const { return !endpoint_.empty(); }
  const std::string& endpoint() const { return endpoint_; }

 private:
  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = 0;
    if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    if (fd >= 0) {
      close(fd);
    }
    return port;
  }

  std::string endpoint_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace cloudstate::cluster::testing
