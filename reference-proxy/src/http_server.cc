#include "http_server.h"

#include "absl/strings/ascii.h"
#include "spdlog/spdlog.h"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace cloudstate::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::function<HttpResponse(const HttpRequest&)> dispatch)
      : stream_(std::move(socket)), dispatch_(std::move(dispatch)) {}

  void Run() { Read(); }

 private:
  void Read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) {
                         beast::error_code ignored;
                         self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                         return;
                       }
                       self->Respond();
                     });
  }

  void Respond() {
    HttpRequest req;
    req.method = std::string(request_.method_string());
    req.target = std::string(request_.target());
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) {
      req.query = req.target.substr(q + 1);
    }
    for (const auto& field : request_) {
      req.headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                               std::string(field.value()));
    }
    req.body = request_.body();
    HttpResponse res = dispatch_(req);
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<http::status>(res.status));
    response_.set(http::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) {
      response_.set(k, v);
    }
    response_.body() = std::move(res.body);
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || !self->response_.keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::function<HttpResponse(const HttpRequest&)> dispatch_;
};

}  // namespace

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::function<HttpResponse(const HttpRequest&)> dispatch;

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          spdlog::warn("http accept: {}", ec.message());
          Accept();
        }
        return;
      }
      std::make_shared<Session>(std::move(socket), dispatch)->Run();
      Accept();
    });
  }
};

HttpServer::HttpServer(Options options) : options_(std::move(options)) {}
HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string path, HttpHandler handler) {
  handlers_[std::move(path)] = std::move(handler);
}
void HttpServer::SetFallback(HttpHandler handler) { fallback_ = std::move(handler); }

absl::Status HttpServer::Start() {
  impl_ = std::make_unique<Impl>();
  impl_->dispatch = [this](const HttpRequest& req) {
    auto it = handlers_.find(req.path);
    if (it != handlers_.end()) {
      return it->second(req);
    }
    if (fallback_) {
      return fallback_(req);
    }
    return HttpResponse{404, "text/plain", "Not Found"};
  };
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
    return absl::UnavailableError("cannot listen for HTTP on " + options_.bind + ":" +
                                  std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (impl_ == nullptr) {
    return;
  }
  impl_->io.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  impl_.reset();
}

}  // namespace cloudstate::proxy
