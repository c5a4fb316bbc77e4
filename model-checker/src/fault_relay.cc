#include "cloudstate/model_checker/fault_relay.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "boost/asio.hpp"

namespace cloudstate::model_checker {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool LinkFaults::Any() const {
  return latency.count() > 0 || jitter.count() > 0 || bytes_per_second > 0 || hold || black_hole;
}

std::string LinkFaults::Describe() const {
  std::vector<std::string> parts;
  if (latency.count() > 0 || jitter.count() > 0) {
    parts.push_back(absl::StrCat("latency ", latency.count() / 1000.0, "ms"));
    if (jitter.count() > 0) {
      parts.back() += absl::StrCat("+", jitter.count() / 1000.0, "ms");
    }
  }
  if (bytes_per_second > 0) {
    parts.push_back(absl::StrCat("bandwidth ", bytes_per_second, "B/s"));
  }
  if (hold) {
    parts.push_back("hold");
  }
  if (black_hole) {
    parts.push_back("black hole");
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

LinkPacer::Clock::time_point LinkPacer::Schedule(const LinkFaults& faults, Clock::time_point now,
                                                 size_t bytes) {
  Clock::time_point sent = now;
  if (faults.bytes_per_second > 0) {
    // The link sends one chunk after another at the limited rate.
    const auto duration = std::chrono::nanoseconds(static_cast<int64_t>(bytes) * 1'000'000'000 /
                                                   faults.bytes_per_second);
    link_free_ = std::max(link_free_, now) + std::chrono::duration_cast<Clock::duration>(duration);
    sent = link_free_;
  }
  auto delay = faults.latency;
  if (faults.jitter.count() > 0) {
    delay += std::chrono::microseconds(
        std::uniform_int_distribution<int64_t>(0, faults.jitter.count())(rng_));
  }
  last_delivery_ = std::max(last_delivery_, sent + delay);
  return last_delivery_;
}

namespace {

absl::StatusOr<tcp::endpoint> ResolveUpstream(const std::string& upstream) {
  const size_t colon = upstream.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(upstream.substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("the upstream must be host:port, got \"", upstream, "\""));
  }
  std::string host = upstream.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  asio::io_context resolver_io;
  tcp::resolver resolver(resolver_io);
  boost::system::error_code error;
  const auto results = resolver.resolve(host, absl::StrCat(port), error);
  if (error || results.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve the upstream ", host, ": ",
                                                   error ? error.message() : "no address"));
  }
  return results.begin()->endpoint();
}

class RelayImpl;

// One direction of one connection: reads from `from`, keeps what it read in `waiting` until its
// delivery time (and any hold) allows, then writes it to `to`.
struct Pipe {
  Direction direction;
  tcp::socket* from;
  tcp::socket* to;
  LinkPacer pacer;
  asio::steady_timer timer;
  struct Chunk {
    LinkPacer::Clock::time_point due;
    std::vector<char> bytes;
  };
  std::deque<Chunk> waiting{};
  size_t waiting_bytes = 0;
  std::vector<char> buffer = std::vector<char>(64 * 1024);
  bool reading = false;
  bool writing = false;
  bool eof = false;  // `from` has ended; `to` is half-closed once `waiting` is empty

  Pipe(Direction d, tcp::socket* f, tcp::socket* t, uint64_t seed, asio::io_context& io)
      : direction(d), from(f), to(t), pacer(seed), timer(io) {}
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(RelayImpl& relay, tcp::socket client, uint64_t seed);
  void Start(const tcp::endpoint& upstream);
  void Kick();  // faults changed: resume reading and writing where they can
  void Reset();

 private:
  void Read(Pipe& pipe);
  void Write(Pipe& pipe);
  void Close(bool reset);

  RelayImpl& relay_;
  tcp::socket client_;
  tcp::socket upstream_;
  Pipe to_upstream_;
  Pipe to_client_;
  bool connected_ = false;
  bool closed_ = false;
};

class RelayImpl final : public FaultRelay {
 public:
  RelayImpl(const RelayOptions& options, tcp::endpoint upstream)
      : options_(options), upstream_(std::move(upstream)), acceptor_(io_), seed_(options.seed) {}

  ~RelayImpl() override {
    asio::post(io_, [this] {
      acceptor_.close();
      for (const auto& connection : std::set(connections_)) {
        connection->Reset();
      }
    });
    work_.reset();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  absl::Status Listen() {
    boost::system::error_code error;
    const auto address = asio::ip::make_address(options_.listen_host, error);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad listen address ", options_.listen_host, ": ", error.message()));
    }
    const tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.listen_port));
    acceptor_.open(endpoint.protocol(), error);
    if (!error) {
      acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    }
    if (!error) {
      acceptor_.bind(endpoint, error);
    }
    if (!error) {
      acceptor_.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen_host, ":",
                                                 options_.listen_port, ": ", error.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  std::string address() const override { return absl::StrCat(options_.listen_host, ":", port_); }

  absl::Status SetUpstream(const std::string& upstream) override {
    auto endpoint = ResolveUpstream(upstream);
    if (!endpoint.ok()) {
      return endpoint.status();
    }
    std::lock_guard lock(mutex_);
    upstream_ = *endpoint;
    return absl::OkStatus();
  }

  void Set(Direction direction, const LinkFaults& faults) override {
    {
      std::lock_guard lock(mutex_);
      faults_[Index(direction)] = faults;
    }
    KickAll();
  }

  LinkFaults Get(Direction direction) const override {
    std::lock_guard lock(mutex_);
    return faults_[Index(direction)];
  }

  void Heal() override {
    {
      std::lock_guard lock(mutex_);
      faults_[0] = faults_[1] = LinkFaults{};
    }
    KickAll();
  }

  void ResetConnections() override {
    asio::post(io_, [this] {
      for (const auto& connection : std::set(connections_)) {
        connection->Reset();
        Update([](RelayStats& s) { ++s.resets; });
      }
    });
  }

  void RefuseNewConnections(bool refuse) override {
    std::lock_guard lock(mutex_);
    refuse_ = refuse;
  }

  RelayStats Stats() const override {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  bool WaitFor(const std::function<bool(const RelayStats&)>& done,
               std::chrono::milliseconds timeout) const override {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(stats_); });
  }

  // Used by connections, on the relay's thread.
  LinkFaults Faults(Direction direction) const { return Get(direction); }
  size_t max_waiting_bytes() const { return options_.max_waiting_bytes; }
  asio::io_context& io() { return io_; }
  void Forget(const std::shared_ptr<Connection>& connection) { connections_.erase(connection); }
  template <typename F>
  void Update(F&& change) {
    {
      std::lock_guard lock(mutex_);
      change(stats_);
    }
    changed_.notify_all();
  }

 private:
  static int Index(Direction direction) { return direction == Direction::kToUpstream ? 0 : 1; }

  void KickAll() {
    asio::post(io_, [this] {
      for (const auto& connection : std::set(connections_)) {
        connection->Kick();
      }
    });
  }

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted || !acceptor_.is_open()) {
        return;
      }
      if (!error) {
        bool refuse;
        {
          std::lock_guard lock(mutex_);
          refuse = refuse_;
        }
        if (refuse) {
          socket.set_option(asio::socket_base::linger(true, 0), error);
          socket.close(error);
          Update([](RelayStats& s) { ++s.refused; });
        } else {
          auto connection = std::make_shared<Connection>(*this, std::move(socket), seed_++);
          connections_.insert(connection);
          Update([](RelayStats& s) {
            ++s.accepted;
            ++s.active;
          });
          tcp::endpoint upstream;
          {
            std::lock_guard lock(mutex_);
            upstream = upstream_;
          }
          connection->Start(upstream);
        }
      }
      // Accept errors (for example no descriptors left) end nothing: the next accept retries.
      Accept();
    });
  }

  const RelayOptions options_;
  tcp::endpoint upstream_;  // guarded by mutex_
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  tcp::acceptor acceptor_;
  std::thread thread_;
  int port_ = 0;
  uint64_t seed_;
  std::set<std::shared_ptr<Connection>> connections_;  // relay thread only

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  LinkFaults faults_[2]{};
  bool refuse_ = false;
  RelayStats stats_{};
};

Connection::Connection(RelayImpl& relay, tcp::socket client, uint64_t seed)
    : relay_(relay),
      client_(std::move(client)),
      upstream_(relay.io()),
      to_upstream_(Direction::kToUpstream, &client_, &upstream_, seed * 2 + 1, relay.io()),
      to_client_(Direction::kToClient, &upstream_, &client_, seed * 2 + 2, relay.io()) {}

void Connection::Start(const tcp::endpoint& upstream) {
  client_.set_option(tcp::no_delay(true));
  upstream_.async_connect(upstream, [self = shared_from_this()](boost::system::error_code error) {
    if (self->closed_) {
      return;
    }
    if (error) {
      self->relay_.Update([](RelayStats& s) { ++s.upstream_failures; });
      self->Close(/*reset=*/true);
      return;
    }
    boost::system::error_code ignored;
    self->upstream_.set_option(tcp::no_delay(true), ignored);
    self->connected_ = true;
    self->Kick();
  });
}

void Connection::Kick() {
  if (closed_ || !connected_) {
    return;
  }
  for (Pipe* pipe : {&to_upstream_, &to_client_}) {
    pipe->timer.cancel();  // a paced write re-reads its due time and the faults
    Read(*pipe);
    Write(*pipe);
  }
}

void Connection::Reset() {
  if (!closed_) {
    Close(/*reset=*/true);
  }
}

void Connection::Read(Pipe& pipe) {
  if (closed_ || pipe.reading || pipe.eof || pipe.waiting_bytes >= relay_.max_waiting_bytes()) {
    return;
  }
  pipe.reading = true;
  pipe.from->async_read_some(
      asio::buffer(pipe.buffer),
      [self = shared_from_this(), &pipe](boost::system::error_code error, size_t n) {
        pipe.reading = false;
        if (self->closed_) {
          return;
        }
        if (error == asio::error::eof) {
          pipe.eof = true;
          self->Write(pipe);  // half-closes `to` once everything waiting is delivered
          return;
        }
        if (error) {
          self->Close(/*reset=*/error == asio::error::connection_reset);
          return;
        }
        const LinkFaults faults = self->relay_.Faults(pipe.direction);
        if (faults.black_hole) {
          self->relay_.Update([n](RelayStats& s) { s.bytes_swallowed += static_cast<int64_t>(n); });
        } else {
          const auto due = pipe.pacer.Schedule(faults, LinkPacer::Clock::now(), n);
          pipe.waiting.push_back(
              {due, std::vector<char>(pipe.buffer.begin(), pipe.buffer.begin() + n)});
          pipe.waiting_bytes += n;
          self->relay_.Update([n](RelayStats& s) { s.bytes_waiting += static_cast<int64_t>(n); });
          self->Write(pipe);
        }
        self->Read(pipe);
      });
}

void Connection::Write(Pipe& pipe) {
  if (closed_ || pipe.writing) {
    return;
  }
  if (pipe.waiting.empty()) {
    if (pipe.eof) {
      boost::system::error_code ignored;
      pipe.to->shutdown(tcp::socket::shutdown_send, ignored);
      if (to_upstream_.eof && to_client_.eof && to_upstream_.waiting.empty() &&
          to_client_.waiting.empty()) {
        Close(/*reset=*/false);
      }
    }
    return;
  }
  if (relay_.Faults(pipe.direction).hold) {
    return;  // Kick resumes when the hold is lifted
  }
  pipe.writing = true;
  pipe.timer.expires_at(pipe.waiting.front().due);
  pipe.timer.async_wait([self = shared_from_this(), &pipe](boost::system::error_code error) {
    if (self->closed_) {
      return;
    }
    if (error == asio::error::operation_aborted || self->relay_.Faults(pipe.direction).hold) {
      pipe.writing = false;  // re-planned by Kick
      self->Write(pipe);
      return;
    }
    asio::async_write(
        *pipe.to, asio::buffer(pipe.waiting.front().bytes),
        [self, &pipe](boost::system::error_code error, size_t n) {
          pipe.writing = false;
          if (self->closed_) {
            return;
          }
          if (error) {
            self->Close(/*reset=*/error == asio::error::connection_reset);
            return;
          }
          pipe.waiting_bytes -= n;
          pipe.waiting.pop_front();
          self->relay_.Update([&pipe, n](RelayStats& s) {
            s.bytes_waiting -= static_cast<int64_t>(n);
            (pipe.direction == Direction::kToUpstream ? s.bytes_to_upstream : s.bytes_to_client) +=
                static_cast<int64_t>(n);
          });
          self->Read(pipe);  // there may be room again
          self->Write(pipe);
        });
  });
}

void Connection::Close(bool reset) {
  if (closed_) {
    return;
  }
  closed_ = true;
  boost::system::error_code ignored;
  for (tcp::socket* socket : {&client_, &upstream_}) {
    if (reset) {
      socket->set_option(asio::socket_base::linger(true, 0), ignored);
    }
    socket->close(ignored);
  }
  to_upstream_.timer.cancel();
  to_client_.timer.cancel();
  const int64_t dropped =
      static_cast<int64_t>(to_upstream_.waiting_bytes + to_client_.waiting_bytes);
  relay_.Update([dropped](RelayStats& s) {
    --s.active;
    s.bytes_waiting -= dropped;
  });
  relay_.Forget(shared_from_this());
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaultRelay>> FaultRelay::Start(const RelayOptions& options) {
  auto upstream = ResolveUpstream(options.upstream);
  if (!upstream.ok()) {
    return upstream.status();
  }
  auto relay = std::make_unique<RelayImpl>(options, *upstream);
  if (absl::Status status = relay->Listen(); !status.ok()) {
    return status;
  }
  return relay;
}

}  // namespace cloudstate::model_checker
