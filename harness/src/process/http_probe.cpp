#include "gauntlet/process/http_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace gauntlet {
namespace {

using Steady = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

// Milliseconds left until `deadline`, at least 0, as poll(2) wants them.
int remaining_ms(Steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd; returns "" when ready, else the reason.
std::string wait_for(int fd, short events, Steady::time_point deadline) {
  pollfd pfd{fd, events, 0};
  for (;;) {
    const int n = ::poll(&pfd, 1, remaining_ms(deadline));
    if (n > 0) return {};
    if (n == 0) return "timed out";
    if (errno != EINTR) return std::string("poll failed: ") + std::strerror(errno);
  }
}

// Connects one non-blocking socket to `address` before the deadline; -1 and `error` on failure.
int connect_one(const addrinfo& address, Steady::time_point deadline, std::string& error) {
  const int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket failed: ") + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0 && errno != EINPROGRESS) {
    error = std::string("connect failed: ") + std::strerror(errno);
  } else {
    error = wait_for(fd, POLLOUT, deadline);
  }
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  if (error.empty() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 &&
      so_error != 0) {
    error = std::strerror(so_error);  // e.g. "Connection refused"
  }
  if (error.empty()) return fd;
  ::close(fd);
  return -1;
}

// Tries every address host:port resolves to ("localhost" may give ::1 before 127.0.0.1).
int connect_before(const std::string& host, std::uint16_t port, Steady::time_point deadline,
                   std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (const addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = connect_one(*a, deadline, error);
  }
  ::freeaddrinfo(found);
  return fd;
}

std::string send_all(int fd, std::string_view data, Steady::time_point deadline) {
  while (!data.empty()) {
    if (auto error = wait_for(fd, POLLOUT, deadline); !error.empty()) return error;
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return std::string("send failed: ") + std::strerror(errno);
    }
    if (n > 0) data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Reads until the first CRLF (the status line) and parses "HTTP/1.x NNN".
HttpProbeResult read_status(int fd, Steady::time_point deadline) {
  constexpr std::size_t kMaxStatusLine = 1024;
  std::string buffer;
  char chunk[512];
  while (buffer.find("\r\n") == std::string::npos && buffer.size() < kMaxStatusLine) {
    if (auto error = wait_for(fd, POLLIN, deadline); !error.empty()) return {0, error};
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return {0, std::string("recv failed: ") + std::strerror(errno)};
    }
    if (n > 0) buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const std::string_view line(buffer.data(), std::min(buffer.find("\r\n"), buffer.size()));
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
    return {0, buffer.empty() ? "connection closed before a status line"
                              : "malformed status line: " + std::string(line.substr(0, 80))};
  }
  int status = 0;
  for (const char c : line.substr(9, 3)) {
    if (c < '0' || c > '9') return {0, "malformed status line: " + std::string(line)};
    status = status * 10 + (c - '0');
  }
  return {status, {}};
}

}  // namespace

HttpProbeResult http_probe(const std::string& host, std::uint16_t port, const std::string& path,
                           std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  std::string error;
  const Socket socket(connect_before(host, port, deadline, error));
  if (socket.fd() < 0) return {0, error};
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                              std::to_string(port) +
                              "\r\nUser-Agent: gauntlet-probe\r\nConnection: close\r\n\r\n";
  if (error = send_all(socket.fd(), request, deadline); !error.empty()) return {0, error};
  return read_status(socket.fd(), deadline);
}

}  // namespace gauntlet
