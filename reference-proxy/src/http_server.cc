#include "http_server.h"

#include <fcntl.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>

#include "absl/strings/ascii.h"
#include "spdlog/spdlog.h"
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "front_door.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace cloudstate::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Options options;
  const std::map<std::string, HttpHandler>* handlers = nullptr;
  const HttpHandler* fallback = nullptr;

  std::atomic<int> open{0};
  std::atomic<bool> stopping{false};
  std::mutex inflight_mu;
  std::condition_variable inflight_cv;
  int inflight = 0;  // fallback handlers running or queued
  std::optional<asio::thread_pool> handler_pool;
  std::vector<std::thread> threads;

  // Declared last so that it is destroyed first: the connections its pending handlers own call
  // back into the members above while they are torn down.
  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand{io.get_executor()};  // the listener's
  // Keeps the I/O threads running while idle (StopAccepting posts to them).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_timer{io};
  std::optional<AcceptBackoff> backoff;
  bool closed = false;  // on `strand`
  bool paused = false;  // on `strand`: at max_connections

  void Accept();
  void OnConnectionClosed() {
    open.fetch_sub(1);
    if (!stopping) {
      asio::post(strand, [this] {
        if (paused && !closed) {
          paused = false;
          Accept();
        }
      });
    }
  }
  std::optional<HttpResponse> Quick(const HttpRequest& request) const;
};

namespace {

bool IsParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream;
}

// One accepted connection: classified (when the port also speaks HTTP/2), then served as
// HTTP/1.1 until it closes, times out or sends something we refuse.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl* server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()) {
    server_->open.fetch_add(1);
  }
  ~Connection() { server_->OnConnectionClosed(); }

  void Start() {
    if (server_->options.http2_handoff) {
      sniff_deadline_ = std::chrono::steady_clock::now() +
                        absl::ToChronoMilliseconds(server_->options.idle_timeout);
      Sniff();
    } else {
      Read();
    }
  }

 private:
  tcp::socket& socket() { return stream_.socket(); }

  // Peeks at the first bytes without consuming them, so that gRPC sees the whole preface.
  void Sniff() {
    timer_.expires_at(sniff_deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) {
        beast::error_code ignored;
        self->socket().cancel(ignored);  // silent peer: give up on it
      }
    });
    socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      self->timer_.cancel();
      if (ec) {
        return;
      }
      self->OnReadable();
    });
  }

  void OnReadable() {
    char peek[kHttp2Preface.size()];
    const ssize_t n = recv(socket().native_handle(), peek, 4, MSG_PEEK);
    if (n == 0) {
      return;  // closed before sending anything
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        Sniff();
      }
      return;
    }
    switch (ClassifyPreface(std::string_view(peek, static_cast<size_t>(n)))) {
      case Preface::kHttp2:
        HandOver();
        return;
      case Preface::kHttp1:
        Read();
        return;
      case Preface::kUndecided:
        // A prefix of "PRI " arrived split; readiness would fire again at once, so look again
        // shortly (bounded by the sniff deadline).
        if (std::chrono::steady_clock::now() >= sniff_deadline_) {
          return;
        }
        timer_.expires_after(std::chrono::milliseconds(5));
        timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
          if (!ec) {
            self->OnReadable();
          }
        });
        return;
    }
  }

  void HandOver() {
    beast::error_code ec;
    const int fd = socket().release(ec);
    if (ec || fd < 0) {
      return;
    }
    const int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    server_->options.http2_handoff(fd);
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(absl::ToChronoMilliseconds(server_->options.idle_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      Refuse(431, "Request Header Fields Too Large");
      return;
    }
    if (ec == http::error::body_limit) {
      Refuse(413, "Payload Too Large");
      return;
    }
    if (ec && IsParseError(ec)) {
      Refuse(400, "Bad Request");
      return;
    }
    if (ec) {
      Close();
      return;
    }
    const auto& message = parser_->get();
    auto request = std::make_shared<HttpRequest>();
    request->method = std::string(message.method_string());
    request->target = std::string(message.target());
    const auto q = request->target.find('?');
    request->path = request->target.substr(0, q);
    if (q != std::string::npos) {
      request->query = request->target.substr(q + 1);
    }
    for (const auto& field : message) {
      request->headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                                    std::string(field.value()));
    }
    request->body = message.body();
    version_ = message.version();
    keep_alive_ = message.keep_alive();

    if (std::optional<HttpResponse> quick = server_->Quick(*request)) {
      Write(std::move(*quick), keep_alive_);
      return;
    }
    if (!server_->handler_pool.has_value()) {
      Write((*server_->fallback)(*request), keep_alive_);
      return;
    }
    {
      std::lock_guard lock(server_->inflight_mu);
      ++server_->inflight;
    }
    asio::post(*server_->handler_pool, [self = shared_from_this(), request] {
      HttpResponse response = (*self->server_->fallback)(*request);
      if (response.stream) {
        self->Stream(std::move(response));
        std::lock_guard lock(self->server_->inflight_mu);
        --self->server_->inflight;
        return;
      }
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response), self->keep_alive_);
      });
      std::lock_guard lock(self->server_->inflight_mu);
      if (--self->server_->inflight == 0) {
        self->server_->inflight_cv.notify_all();
      }
    });
  }

  // On a handler thread: runs `step` on the connection's strand and waits for it to report.
  bool OnStrand(std::function<void(std::function<void(bool)>)> step) {
    auto done = std::make_shared<std::promise<bool>>();
    std::future<bool> result = done->get_future();
    asio::post(stream_.get_executor(),
               [step = std::move(step), done] { step([done](bool ok) { done->set_value(ok); }); });
    return result.get();
  }

  // On a handler thread: the head, then each chunk as the producer hands it over, then the last
  // chunk; each write completes before the next begins (back-pressure on the producer).
  void Stream(HttpResponse res) {
    auto head = std::make_shared<http::response<http::empty_body>>();
    head->version(version_);
    head->result(static_cast<http::status>(res.status));
    head->set(http::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) {
      head->set(k, v);
    }
    head->keep_alive(keep_alive_);
    head->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    bool open = OnStrand([this, head, serializer](std::function<void(bool)> done) {
      stream_.expires_after(absl::ToChronoMilliseconds(server_->options.idle_timeout));
      http::async_write_header(
          stream_, *serializer,
          [done, head, serializer](beast::error_code ec, size_t) { done(!ec); });
    });
    auto write_chunk = [this, &open](std::string_view chunk) {
      if (!open || chunk.empty()) {
        return open;
      }
      auto data = std::make_shared<std::string>(chunk);
      open = OnStrand([this, data](std::function<void(bool)> done) {
        // A client that stops reading is dropped after the idle timeout.
        stream_.expires_after(absl::ToChronoMilliseconds(server_->options.idle_timeout));
        asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                          [done, data](beast::error_code ec, size_t) { done(!ec); });
      });
      return open;
    };
    res.stream(write_chunk);
    if (open) {
      open = OnStrand([this](std::function<void(bool)> done) {
        asio::async_write(stream_, http::make_chunk_last(),
                          [done](beast::error_code ec, size_t) { done(!ec); });
      });
    }
    asio::post(stream_.get_executor(), [self = shared_from_this(), open] {
      if (!open) {
        self->Close();
      } else if (!self->keep_alive_) {
        self->Linger();
      } else {
        self->Read();
      }
    });
  }

  // Answers a request we will not read, then closes the connection.
  void Refuse(int status, std::string reason) {
    HttpResponse response{status, "text/plain", std::move(reason)};
    Write(std::move(response), /*keep_alive=*/false);
  }

  void Write(HttpResponse res, bool keep_alive) {
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<http::status>(res.status));
    response_.set(http::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) {
      response_.set(k, v);
    }
    response_.body() = std::move(res.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    stream_.expires_after(absl::ToChronoMilliseconds(server_->options.idle_timeout));
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) {
                          self->Close();
                        } else if (!self->response_.keep_alive()) {
                          self->Linger();
                        } else {
                          self->Read();
                        }
                      });
  }

  // After the last response: stop sending, then read and drop what the client still sends (a
  // body we refused) for a while, so that closing does not reset the connection before the
  // client has read our answer.
  void Linger() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    discard_.resize(16 * 1024);
    DiscardSome();
  }
  void DiscardSome() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->discarded_ += n;
                              if (!ec && self->discarded_ < 8 * 1024 * 1024) {
                                self->DiscardSome();
                              }
                            });
  }

  void Close() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  HttpServer::Impl* server_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point sniff_deadline_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::vector<char> discard_;
  size_t discarded_ = 0;
};

}  // namespace

std::optional<HttpResponse> HttpServer::Impl::Quick(const HttpRequest& request) const {
  if (options.knative_probe) {
    for (const auto& [name, value] : request.headers) {
      if (name == "k-network-probe") {
        return value == "queue" ? HttpResponse{200, "text/plain", "queue"}
                                : HttpResponse{400, "text/plain", "unexpected probe header"};
      }
    }
  }
  auto it = handlers->find(request.path);
  if (it != handlers->end()) {
    return it->second(request);
  }
  if (fallback == nullptr || !*fallback) {
    return HttpResponse{404, "text/plain", "Not Found"};
  }
  return std::nullopt;
}

void HttpServer::Impl::Accept() {
  if (closed) {
    return;
  }
  if (open.load() >= options.max_connections) {
    paused = true;  // resumed by OnConnectionClosed
    return;
  }
  acceptor.async_accept(
      asio::make_strand(io),
      asio::bind_executor(strand, [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || closed) {
          return;
        }
        if (ec) {
          // Typically EMFILE/ENFILE: the pending connection stays in the backlog; try again
          // after a pause instead of spinning on the same error.
          const absl::Duration wait = backoff->Next();
          if (backoff->failures() % 64 == 1) {
            spdlog::warn("accept on port {} failed ({} time(s)): {}; retrying in {}",
                         acceptor.local_endpoint().port(), backoff->failures(), ec.message(),
                         absl::FormatDuration(wait));
          }
          accept_timer.expires_after(absl::ToChronoMilliseconds(wait));
          accept_timer.async_wait(asio::bind_executor(strand, [this](beast::error_code tec) {
            if (!tec) {
              Accept();
            }
          }));
          return;
        }
        if (backoff->failures() > 0) {
          spdlog::info("accept on port {} works again after {} failure(s)",
                       acceptor.local_endpoint().port(), backoff->failures());
        }
        backoff->Reset();
        std::make_shared<Connection>(this, std::move(socket))->Start();
        Accept();
      }));
}

HttpServer::HttpServer(Options options) : options_(std::move(options)) {}
HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string path, HttpHandler handler) {
  handlers_[std::move(path)] = std::move(handler);
}
void HttpServer::SetFallback(HttpHandler handler) { fallback_ = std::move(handler); }

int HttpServer::open_connections() const { return impl_ == nullptr ? 0 : impl_->open.load(); }

absl::Status HttpServer::Start() {
  impl_ = std::make_shared<Impl>();
  impl_->options = options_;
  impl_->handlers = &handlers_;
  impl_->fallback = &fallback_;
  impl_->backoff.emplace(options_.accept_backoff_min, options_.accept_backoff_max);
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.bind, ec);
  if (ec) {
    return absl::InvalidArgumentError("bad bind address " + options_.bind + ": " + ec.message());
  }
  tcp::endpoint endpoint(address, static_cast<uint16_t>(options_.port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl_->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return absl::UnavailableError("cannot listen on " + options_.bind + ":" +
                                  std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  if (options_.handler_threads > 0) {
    impl_->handler_pool.emplace(static_cast<size_t>(options_.handler_threads));
  }
  asio::post(impl_->strand, [impl = impl_.get()] { impl->Accept(); });
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  }
  return absl::OkStatus();
}

void HttpServer::StopAccepting() {
  if (impl_ == nullptr || accepting_stopped_) {
    return;
  }
  accepting_stopped_ = true;
  std::promise<void> done;
  asio::post(impl_->strand, [impl = impl_.get(), &done] {
    impl->closed = true;
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->accept_timer.cancel();
    done.set_value();
  });
  done.get_future().wait();
}

void HttpServer::Stop() {
  if (impl_ == nullptr) {
    return;
  }
  StopAccepting();
  if (impl_->handler_pool.has_value()) {
    impl_->handler_pool->join();
  }
  impl_->stopping = true;
  impl_->work.reset();
  impl_->io.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  impl_.reset();
}

}  // namespace cloudstate::proxy
