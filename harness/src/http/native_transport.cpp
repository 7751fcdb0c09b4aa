// The native transport: plain-text HTTP/1.1 keep-alive on non-blocking sockets in the loop's
// epoll set, one request at a time per connection, responses read by Beast's parser
// (native_http.hpp). Per request on a kept-alive connection it makes one sendmsg and one or two
// recv calls and no epoll_ctl, and allocates nothing.
//
// Behaviour matched to the curl transport, so a run means the same on either:
//   - the same request bytes (see write_request_head), redirects not followed;
//   - connect and total timeouts per request, the total counted from the request's start;
//   - a connection the server closed while idle is replaced; a request that meets a close or a
//     reset before any response byte on a reused connection is sent once more on a new one;
//   - a response with "Connection: close" (or HTTP/1.0 without keep-alive) closes the connection;
//   - failures are reported as the TransferFailure libcurl's code would map to, with libcurl's
//     message shapes, so classify_transfer and describe_transfer give the same classes and
//     samples.
#include "native_transport.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "native_http.hpp"

namespace gauntlet {
namespace {

using Steady = std::chrono::steady_clock;
using time_point = Steady::time_point;

constexpr std::size_t kReceiveBuffer = 64 * 1024;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

enum class ConnState : std::uint8_t { kIdle, kConnecting, kSending, kReceiving };

struct Conn;

// An intrusive FIFO of connections ordered by a deadline that only grows (every entry is pushed
// with now + one fixed duration), so the head is always the earliest.
struct Link {
  Conn* prev = nullptr;
  Conn* next = nullptr;
  bool linked = false;
  time_point deadline{};
};

struct Conn {
  int fd = -1;
  int index = 0;
  std::uint64_t serial = 0;      // counts the requests begun, so a stale report can be told apart
  bool in_flight = false;        // between begin() and its report (or abandon)
  std::uint32_t generation = 0;  // counts the connections closed on this slot
  ConnState state = ConnState::kIdle;
  bool reused = false;           // carried a whole request and response before this one
  bool retried = false;          // this request was sent again on a new connection
  std::uint32_t registered = 0;  // the epoll events asked for; 0 when not in the set
  std::size_t address = 0;       // the address being tried
  int last_errno = 0;
  time_point connect_started{};
  time_point began{};

  // What to send.
  std::string own_head;  // generator mode
  std::string_view head;
  std::string_view body;
  std::size_t offset = 0;
  bool head_request = false;
  std::string applied_url;  // generator mode: the URL path_query and authority came from
  std::string path_query;
  std::string authority;

  ResponseReader reader;
  std::int64_t received = 0;  // bytes of this request's response
  std::int64_t connects = 0;

  Link request_link;
  Link connect_link;
};

class ConnList {
 public:
  explicit ConnList(Link Conn::*link) : link_(link) {}
  Conn* front() const noexcept { return head_; }
  void push_back(Conn& c, time_point deadline) noexcept {
    Link& l = c.*link_;
    l.deadline = deadline;
    l.prev = tail_;
    l.next = nullptr;
    l.linked = true;
    (tail_ != nullptr ? (tail_->*link_).next : head_) = &c;
    tail_ = &c;
  }
  void remove(Conn& c) noexcept {
    Link& l = c.*link_;
    if (!l.linked) return;
    (l.prev != nullptr ? (l.prev->*link_).next : head_) = l.next;
    (l.next != nullptr ? (l.next->*link_).prev : tail_) = l.prev;
    l = Link{};
  }
  time_point deadline() const noexcept {
    return head_ != nullptr ? (head_->*link_).deadline : time_point::max();
  }

 private:
  Link Conn::*link_;
  Conn* head_ = nullptr;
  Conn* tail_ = nullptr;
};

std::int64_t elapsed_ms(time_point from, time_point to) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

class NativeTransport final : public Transport {
 public:
  explicit NativeTransport(const TransportSetup& setup)
      : options_(setup.options),
        epoll_fd_(setup.epoll_fd),
        sink_(setup.sink),
        fixed_(setup.source.is_fixed()),
        target_(parse_http_target(setup.source.sample().url)),
        buffer_(kReceiveBuffer),
        requests_(&Conn::request_link),
        connects_(&Conn::connect_link) {
    resolve();
    conns_.resize(static_cast<std::size_t>(setup.connections));
    immediate_.reserve(conns_.size());
    if (fixed_) {
      const Request& r = setup.source.sample();
      write_request_head(r, target_.authority, target_.path_query, fixed_head_);
    }
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      c.index = static_cast<int>(i);
      if (fixed_) set_request(c, fixed_head_, setup.source.sample());
    }
  }

  ~NativeTransport() override {
    for (Conn& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
  }

  NativeTransport(const NativeTransport&) = delete;
  NativeTransport& operator=(const NativeTransport&) = delete;

  void begin(int slot, const Request& request) override {
    Conn& c = conns_[static_cast<std::size_t>(slot)];
    if (!fixed_) prepare(c, request);
    const time_point now = Steady::now();
    ++c.serial;
    c.in_flight = true;
    c.began = now;
    c.offset = 0;
    c.received = 0;
    c.connects = 0;
    c.retried = false;
    c.reader.reset(c.head_request);
    requests_.push_back(c, now + options_.timeout);
    if (!resolve_error_.empty()) {
      fail_later(c, TransferFailure::kResolve);
      return;
    }
    if (c.fd < 0) {
      start_connect(c, now);
      return;
    }
    c.state = ConnState::kSending;
    send_more(c);
  }

  void on_event(std::uint64_t data, std::uint32_t events) override {
    Conn& c = conns_[static_cast<std::size_t>(data & 0xFFFFFFFFU)];
    if (c.fd < 0 || c.generation != data >> 32) return;  // closed meanwhile
    switch (c.state) {
      case ConnState::kConnecting:
        connected(c);
        return;
      case ConnState::kIdle:
        idle_event(c);
        return;
      case ConnState::kSending:
        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
          // The server answered (or failed) before it had the whole request.
          receive(c);
          if (c.state != ConnState::kSending) return;
        }
        if ((events & EPOLLOUT) != 0) send_more(c);
        return;
      case ConnState::kReceiving:
        receive(c);
        return;
    }
  }

  time_point deadline() const noexcept override {
    if (!immediate_.empty()) return time_point{};  // in the past: at once
    return std::min(requests_.deadline(), connects_.deadline());
  }

  void on_time(time_point now) override {
    while (Conn* c = connects_.front()) {
      if ((c->connect_link).deadline > now) break;
      std::snprintf(detail_.data(), detail_.size(), "Connection timed out after %lld milliseconds",
                    static_cast<long long>(elapsed_ms(c->connect_started, now)));
      fail(*c, TransferFailure::kTimeout, detail_.data());
    }
    while (Conn* c = requests_.front()) {
      if ((c->request_link).deadline > now) break;
      std::snprintf(detail_.data(), detail_.size(),
                    "Operation timed out after %lld milliseconds with %lld bytes received",
                    static_cast<long long>(elapsed_ms(c->began, now)),
                    static_cast<long long>(c->reader.body_bytes()));
      fail(*c, TransferFailure::kTimeout, detail_.data());
    }
  }

  void flush() override {
    // A report may begin a request that fails at once again: take the list as it is now.
    pending_reports_.swap(immediate_);
    for (const Immediate& item : pending_reports_) {
      Conn& c = conns_[static_cast<std::size_t>(item.slot)];
      // Reported already (a timeout that came first) or abandoned: the entry is stale.
      if (!c.in_flight || c.serial != item.serial) continue;
      fail(c, item.code,
           item.code == TransferFailure::kResolve ? resolve_error_.c_str() : item.detail.data());
    }
    pending_reports_.clear();
  }

  void abandon(int slot) override {
    Conn& c = conns_[static_cast<std::size_t>(slot)];
    close_conn(c);
    requests_.remove(c);
    c.state = ConnState::kIdle;
    c.in_flight = false;
  }

  std::string_view name() const noexcept override { return "native"; }

 private:
  struct Immediate {
    int slot;
    std::uint64_t serial;
    TransferFailure code;
    std::array<char, 160> detail;
  };

  void resolve() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(target_.host.c_str(), target_.port.c_str(), &hints, &found);
    if (rc != 0) {
      resolve_error_ = "Could not resolve host: " + target_.host + " (" + gai_strerror(rc) + ")";
      return;
    }
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      Address address;
      std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
      address.length = a->ai_addrlen;
      address.family = a->ai_family;
      addresses_.push_back(address);
    }
    freeaddrinfo(found);
    if (addresses_.empty()) resolve_error_ = "Could not resolve host: " + target_.host;
  }

  // Generator mode: the request's head, written per request into the connection's own string.
  void prepare(Conn& c, const Request& r) {
    if (r.url != c.applied_url) {
      HttpTarget t = parse_http_target(r.url);
      if (t.host != target_.host || t.port != target_.port) {
        throw std::invalid_argument(
            "the native engine sends every request to one origin (" + target_.authority +
            ", from the sample request); this one goes to \"" + r.url +
            "\". Use the curl engine (--engine curl) for requests to several hosts.");
      }
      c.path_query = std::move(t.path_query);
      c.authority = std::move(t.authority);
      c.applied_url = r.url;
    }
    write_request_head(r, c.authority, c.path_query, c.own_head);
    set_request(c, c.own_head, r);
  }

  // What `c` sends for `r`: `head` (which outlives the request) and the body from r's memory.
  static void set_request(Conn& c, std::string_view head, const Request& r) noexcept {
    c.head = head;
    c.body = sends_body(r.method, r.body) ? std::string_view(r.body) : std::string_view();
    c.head_request = r.method == "HEAD";
  }

  // False (errno set) when the descriptor could not be added to the epoll set. A change of the
  // events of one already in it cannot fail but for a bug.
  bool watch(Conn& c, std::uint32_t events) {
    if (c.registered == events) return true;
    epoll_event ev{};
    ev.events = events;
    // The connection's generation rides along, so an event still queued for a connection closed
    // earlier in the same batch is not taken for its successor on this slot (which often gets
    // the same descriptor number).
    ev.data.u64 = (std::uint64_t{c.generation} << 32) | static_cast<std::uint32_t>(c.index);
    if (epoll_ctl(epoll_fd_, c.registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev) != 0) {
      return false;
    }
    c.registered = events;
    return true;
  }

  void close_conn(Conn& c) noexcept {
    if (c.fd >= 0) ::close(c.fd);  // closing also takes it out of the epoll set
    c.fd = -1;
    ++c.generation;
    c.registered = 0;
    c.reused = false;
    connects_.remove(c);
  }

  // A new connection for the request on `c`: every address in turn, within one connect timeout.
  void start_connect(Conn& c, time_point now) {
    c.address = 0;
    c.connect_started = now;
    connect(c, now);
  }

  // Tries the addresses from c.address on; a failure to start is reported at the next flush.
  void connect(Conn& c, time_point now) {
    for (; c.address < addresses_.size(); ++c.address) {
      const Address& a = addresses_[c.address];
      const int fd = ::socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        c.last_errno = errno;
        break;  // out of descriptors or memory: another address will not help
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.storage), a.length) == 0 ||
          errno == EINPROGRESS) {
        c.fd = fd;
        c.state = ConnState::kConnecting;
        if (!watch(c, EPOLLOUT)) {  // e.g. ENOSPC: fs.epoll.max_user_watches reached
          c.last_errno = errno;
          close_conn(c);
          break;
        }
        connects_.push_back(c, c.connect_started + options_.connect_timeout);
        return;
      }
      c.last_errno = errno;
      ::close(fd);
    }
    connect_failed_later(c, now);
  }

  void connect_failed_later(Conn& c, time_point now) {
    Immediate& item = immediate_.emplace_back();
    item.slot = c.index;
    item.serial = c.serial;
    item.code = TransferFailure::kConnect;
    std::snprintf(item.detail.data(), item.detail.size(),
                  "Failed to connect to %s port %s after %lld ms: %s", target_.host.c_str(),
                  target_.port.c_str(), static_cast<long long>(elapsed_ms(c.began, now)),
                  std::strerror(c.last_errno));
  }

  void fail_later(Conn& c, TransferFailure code) {
    Immediate& item = immediate_.emplace_back();
    item.slot = c.index;
    item.serial = c.serial;
    item.code = code;
    item.detail[0] = '\0';
  }

  void connected(Conn& c) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error == 0) {
      ++c.connects;
      connects_.remove(c);
      c.state = ConnState::kSending;
      watch(c, EPOLLIN);
      send_more(c);
      return;
    }
    // Refused or unreachable: the next address, if any, gets its turn.
    c.last_errno = error;
    close_conn(c);
    ++c.address;
    const time_point now = Steady::now();
    if (c.address < addresses_.size()) {
      connect(c, now);
      return;
    }
    std::snprintf(detail_.data(), detail_.size(),
                  "Failed to connect to %s port %s after %lld ms: %s", target_.host.c_str(),
                  target_.port.c_str(), static_cast<long long>(elapsed_ms(c.began, now)),
                  std::strerror(error));
    fail(c, TransferFailure::kConnect, detail_.data());
  }

  void send_more(Conn& c) {
    const std::size_t total = c.head.size() + c.body.size();
    while (c.offset < total) {
      std::array<iovec, 2> iov{};
      std::size_t n = 0;
      if (c.offset < c.head.size()) {
        iov[n++] = {const_cast<char*>(c.head.data() + c.offset), c.head.size() - c.offset};
        if (!c.body.empty()) iov[n++] = {const_cast<char*>(c.body.data()), c.body.size()};
      } else {
        const std::size_t at = c.offset - c.head.size();
        iov[n++] = {const_cast<char*>(c.body.data() + at), c.body.size() - at};
      }
      msghdr msg{};
      msg.msg_iov = iov.data();
      msg.msg_iovlen = n;
      const ssize_t sent = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          watch(c, EPOLLIN | EPOLLOUT);
          return;
        }
        const int error = errno;
        if (answered_early(c)) return;
        broken(c, TransferFailure::kSend, error);
        return;
      }
      c.offset += static_cast<std::size_t>(sent);
    }
    c.state = ConnState::kReceiving;
    watch(c, EPOLLIN);
  }

  // A server may answer before it has the whole request (413 for a body too large) and close:
  // its answer is still readable after the reset our send met, and is the request's outcome.
  // True when something arrived and the transfer was reported.
  bool answered_early(Conn& c) {
    if (read_available(c).outcome == Read::kReported) return true;
    if (c.received == 0) return false;
    closed_by_peer(c);  // part of an answer: whole if it was to run until the close
    return true;
  }

  // How reading what a connection has to give ended.
  struct Read {
    enum Outcome : std::uint8_t { kReported, kDrained, kClosed, kFailed } outcome;
    int error = 0;  // kFailed: errno
  };

  // Reads and parses until the response is complete (reported: completed or failed as
  // malformed), nothing more is there, the peer closed, or recv failed.
  Read read_available(Conn& c) {
    for (;;) {
      const ssize_t n = ::recv(c.fd, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        c.received += n;
        switch (c.reader.feed({buffer_.data(), static_cast<std::size_t>(n)})) {
          case ResponseReader::State::kDone:
            complete(c);
            return {Read::kReported};
          case ResponseReader::State::kError:
            fail(c, TransferFailure::kMalformedResponse, c.reader.error());
            return {Read::kReported};
          case ResponseReader::State::kNeedMore:
            break;
        }
        if (static_cast<std::size_t>(n) < buffer_.size()) return {Read::kDrained};  // most likely
        continue;
      }
      if (n == 0) return {Read::kClosed};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {Read::kDrained};
      return {Read::kFailed, errno};
    }
  }

  // A server closing a kept-alive connection while it is idle is normal; anything else it sends
  // then is not: either way the connection is dropped and the next request opens a new one.
  void idle_event(Conn& c) {
    const ssize_t n = ::recv(c.fd, buffer_.data(), buffer_.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    close_conn(c);
  }

  void receive(Conn& c) {
    const Read read = read_available(c);
    if (read.outcome == Read::kClosed) {
      closed_by_peer(c);
    } else if (read.outcome == Read::kFailed) {
      broken(c, TransferFailure::kRecv, read.error);
    }
  }

  // Whether a failure before any response byte on a reused connection is sent again: the server
  // may have closed the connection just as the request went out (what libcurl does too).
  bool retry(Conn& c) {
    if (c.received != 0 || !c.reused || c.retried) return false;
    c.retried = true;
    close_conn(c);
    c.offset = 0;
    c.reader.reset(c.head_request);
    start_connect(c, Steady::now());
    return true;
  }

  void closed_by_peer(Conn& c) {
    if (c.reader.eof() == ResponseReader::State::kDone) {
      close_conn(c);
      complete(c);
      return;
    }
    if (retry(c)) return;
    if (c.received == 0) {
      fail(c, TransferFailure::kEmptyReply, "Empty reply from server");
    } else {
      fail(c, TransferFailure::kPartialBody,
           "transfer closed with outstanding read data remaining");
    }
  }

  void broken(Conn& c, TransferFailure code, int error) {
    if (retry(c)) return;
    std::snprintf(detail_.data(), detail_.size(), "%s failure: %s",
                  code == TransferFailure::kSend ? "Send" : "Recv", std::strerror(error));
    fail(c, code, detail_.data());
  }

  void complete(Conn& c) {
    const bool whole_request_sent = c.offset == c.head.size() + c.body.size();
    if (!c.reader.keep_alive() || c.reader.excess_bytes() != 0 || !whole_request_sent) {
      close_conn(c);
    } else {
      c.reused = true;
    }
    TransferResult result;
    result.status = c.reader.status();
    result.body_bytes = c.reader.body_bytes();
    result.connects = c.connects;
    finish(c, result);
  }

  void fail(Conn& c, TransferFailure code, const char* detail) {
    close_conn(c);
    TransferResult result;
    result.failure = code;
    result.status = c.reader.header_done() ? c.reader.status() : 0;
    result.body_bytes = c.reader.body_bytes();
    result.connects = c.connects;
    result.detail = detail;
    finish(c, result);
  }

  void finish(Conn& c, const TransferResult& result) {
    requests_.remove(c);
    connects_.remove(c);
    c.state = ConnState::kIdle;
    c.in_flight = false;
    sink_.finished(c.index, result);
  }

  const EngineOptions& options_;
  int epoll_fd_;
  TransferSink& sink_;
  bool fixed_;
  HttpTarget target_;
  std::string fixed_head_;
  std::vector<Address> addresses_;
  std::string resolve_error_;
  std::vector<Conn> conns_;
  std::vector<char> buffer_;          // every connection reads into it in turn
  ConnList requests_;                 // in flight, by total deadline
  ConnList connects_;                 // connecting, by connect deadline
  std::vector<Immediate> immediate_;  // failed before anything was sent; reported at flush
  std::vector<Immediate> pending_reports_;
  std::array<char, 256> detail_{};
};

}  // namespace

std::unique_ptr<Transport> make_native_transport(const TransportSetup& setup) {
  return std::make_unique<NativeTransport>(setup);
}

}  // namespace gauntlet
