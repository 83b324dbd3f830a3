#include "serve/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace hitforge::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using core::str_cat;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; false for malformed escapes or a decoded NUL (no legitimate path or parameter holds one).
bool url_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') return false;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    out += c;
  }
  return true;
}

// The request line target → path + query parameters.
bool split_target(std::string_view target, Request& req) {
  const auto q = target.find('?');
  if (!url_decode(target.substr(0, q), false, req.path) || req.path.empty() || req.path[0] != '/') return false;
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!url_decode(pair.substr(0, eq), true, key)) return false;
    if (eq != std::string_view::npos && !url_decode(pair.substr(eq + 1), true, value)) return false;
    req.query[key] = value;
  }
  return true;
}

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string error_json(std::string_view code, std::string_view message) {
  return str_cat("{\"error\":{\"code\":\"", code, "\",\"message\":\"", message, "\"}}\n");
}

}  // namespace

struct HttpServer::Impl {
  // Declared before the io_context: connections still queued in it when it is destroyed update these.
  HttpServerOptions options;
  RequestHandler handler;
  std::atomic<std::size_t> connections{0}, in_flight{0};
  std::atomic<bool> accepting{false}, draining{false}, stopped{false};
  int bound_port = 0;
  std::mutex drain_mu;
  std::condition_variable drain_cv;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;

  Impl(HttpServerOptions o, RequestHandler h) : options(std::move(o)), handler(std::move(h)) {}

  void do_accept();
  void request_finished() {
    if (in_flight.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(drain_mu);
      drain_cv.notify_all();
    }
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {
    ++server_.connections;
  }
  ~Session() { --server_.connections; }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Over the connection limit: one canned answer, then close.
  void refuse_busy() {
    auto self = shared_from_this();
    auto res = std::make_shared<http::response<http::string_body>>(http::status::service_unavailable, 11);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::retry_after, "1");
    res->keep_alive(false);
    res->body() = error_json("too_many_connections", "the server has too many open connections; retry later");
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(5));
    http::async_write(stream_, *res, [self, res](beast::error_code, std::size_t) { self->close(); });
  }

 private:
  const HttpLimits& limits() const { return server_.options.limits; }

  void read_header() {
    if (server_.draining) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
    // No effective body limit while the headers are read: on_header applies the route's own limit before a single
    // body byte is read. (Not boost::none: Beast 1.74 compares `length > optional` and treats none as smallest.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(requests_ == 0 ? limits().header_timeout : limits().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return answer_error(413, "body_too_large", "request body larger than the server accepts");
    if (ec == http::error::header_limit)
      return answer_error(431, "header_too_large", "request line and headers exceed the limit");
    if (ec) {
      // end_of_stream (client closed), timeout (stream already closed), or a malformed request.
      if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
          ec == net::error::connection_reset || ec == net::error::eof)
        return close();
      return answer_error(400, "bad_request", "malformed HTTP request");
    }
    const auto& req = parser_->get();
    if (req.version() != 11 && req.version() != 10)
      return answer_error(400, "bad_request", "unsupported HTTP version");
    if (auto ce = req.find(http::field::content_encoding); ce != req.end() && lower(sv(ce->value())) != "identity")
      return answer_error(415, "content_encoding_unsupported",
                          "Content-Encoding is not accepted; send the body uncompressed");
    if (auto te = req.find(http::field::transfer_encoding); te != req.end() && lower(sv(te->value())) != "chunked")
      return answer_error(501, "transfer_encoding_unsupported", "only the chunked transfer coding is accepted");
    std::string path(sv(req.target().substr(0, req.target().find('?'))));
    const std::size_t limit =
        limits().body_limit ? limits().body_limit(std::string(sv(req.method_string())), path) : limits().max_body_bytes;
    if (auto len = parser_->content_length(); len && *len > limit)
      return answer_error(413, "body_too_large", str_cat("Content-Length exceeds the limit of ", limit, " bytes"));
    parser_->body_limit(limit);
    if (auto ex = req.find(http::field::expect); ex != req.end()) {
      if (lower(sv(ex->value())) != "100-continue")
        return answer_error(400, "bad_request", "unsupported Expect header");
      if (!parser_->is_done()) {
        auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
        stream_.expires_after(limits().write_timeout);
        return http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
          if (e) return self->close();
          self->read_body();
        });
      }
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(limits().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return answer_error(413, "body_too_large", "request body larger than the limit for this route");
    if (ec) {
      if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset)
        return close();
      return answer_error(400, "bad_request", "malformed HTTP request body");
    }
    auto raw = parser_->release();
    parser_.reset();
    keep_alive_ = raw.keep_alive();
    head_ = raw.method() == http::verb::head;
    Request req;
    req.method = std::string(sv(raw.method_string()));
    if (!split_target(sv(raw.target()), req)) return answer_error(400, "bad_request", "malformed request target");
    for (const auto& f : raw) req.headers[lower(sv(f.name_string()))] = std::string(sv(f.value()));
    req.body = std::move(raw.body());
    req.received = std::chrono::steady_clock::now();
    // No read deadline while the handler runs (it has its own); the peer's silence is expected now.
    stream_.expires_never();
    ++server_.in_flight;
    auto self = shared_from_this();
    Responder respond = [self](Response r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r), false); });
    };
    try {
      server_.handler(req, std::move(respond));
    } catch (const std::exception& e) {
      // The router never throws; this is a last line of defence for a broken handler.
      core::log_error(str_cat("request handler threw: ", e.what()));
      write(Response::error(500, "internal", "internal server error"), false);
    }
  }

  // An error detected by the transport itself: the request body may be unread, so the connection cannot be reused.
  void answer_error(int status, std::string_view code, std::string_view message) {
    ++server_.in_flight;
    keep_alive_ = false;
    head_ = false;
    write(Response::error(status, code, message), true);
  }

  void write(Response r, bool unread_body) {
    ++requests_;
    const bool keep = keep_alive_ && !unread_body && !server_.draining &&
                      requests_ < limits().max_requests_per_connection;
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    res->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep);
    const std::size_t n = r.body.size();
    if (!head_) res->body() = std::move(r.body);
    res->content_length(n);
    stream_.expires_after(limits().write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep, unread_body](beast::error_code ec, std::size_t) {
                        self->server_.request_finished();
                        if (ec) return self->close();
                        if (unread_body) return self->linger();
                        if (!keep) return self->close();
                        self->read_header();
                      });
  }

  // Half-close and discard what the client is still sending for a moment, so that it reads our answer (a close
  // with unread data would reset the connection and could destroy the response in flight).
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    discard_.resize(16 * 1024);
    read_discard(0);
  }
  void read_discard(std::size_t total) {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this(), total](beast::error_code ec, std::size_t n) {
                              if (ec || total + n > (8u << 20)) return self->close();
                              self->read_discard(total + n);
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::vector<char> discard_;
  std::size_t requests_ = 0;
  bool keep_alive_ = true, head_ = false;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!accepting) return;
    if (ec) {
      // EMFILE and friends: keep serving existing connections; try again shortly rather than spinning.
      core::log_warn(str_cat("accept failed: ", ec.message()));
      auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(50));
      timer->async_wait([this, timer](beast::error_code) {
        if (accepting) do_accept();
      });
      return;
    }
    beast::error_code opt;
    socket.set_option(tcp::no_delay(true), opt);  // small JSON answers: no Nagle delay
    auto session = std::make_shared<Session>(std::move(socket), *this);
    if (connections > options.limits.max_connections) session->refuse_busy();
    else session->start();
    do_accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& m = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(m.options.host, ec);
  HITFORGE_REQUIRE(!ec, "--host '", m.options.host, "' is not an IP address");
  tcp::endpoint ep(address, static_cast<unsigned short>(m.options.port));
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(net::socket_base::max_listen_connections, ec);
  HITFORGE_REQUIRE(!ec, "cannot listen on ", m.options.host, ":", m.options.port, " (", ec.message(), ")");
  m.bound_port = m.acceptor.local_endpoint().port();
  m.accepting = true;
  m.work.emplace(net::make_work_guard(m.ioc));
  m.do_accept();
  for (int i = 0; i < std::max(1, m.options.io_threads); ++i) m.threads.emplace_back([&m] { m.ioc.run(); });
}

int HttpServer::port() const { return impl_->bound_port; }

void HttpServer::stop_accepting() {
  Impl& m = *impl_;
  m.draining = true;
  if (!m.accepting.exchange(false)) return;
  net::post(m.ioc, [&m] {
    beast::error_code ec;
    m.acceptor.close(ec);
  });
}

bool HttpServer::drain(std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  std::unique_lock<std::mutex> lock(m.drain_mu);
  return m.drain_cv.wait_for(lock, timeout, [&m] { return m.in_flight.load() == 0; });
}

void HttpServer::stop() {
  Impl& m = *impl_;
  if (m.stopped.exchange(true)) return;
  stop_accepting();
  m.work.reset();
  m.ioc.stop();
  for (auto& t : m.threads)
    if (t.joinable()) t.join();
}

std::size_t HttpServer::open_connections() const { return impl_->connections.load(); }
std::size_t HttpServer::requests_in_flight() const { return impl_->in_flight.load(); }

}  // namespace hitforge::serve
