#pragma once
// A TCP port that was free a moment ago, for children that must be told their port up front
// (PostgreSQL, the mock services). Header-only so that gauntlet::pg can use it without Boost.
//
// Race: the port is only known to be free while our probe socket holds it. Between close() here
// and the child's bind() another process may take it; the child then fails to start and the
// caller sees a ProcessError naming the address. A server we write ourselves should bind port 0
// and report its port instead.
//
// Within one process the race is closed: a port handed out once is never handed out again, so
// the embedded PostgreSQL and eight services started together get eight distinct ports even when
// the kernel offers a just-released port twice (it did, in CI: meta-publisher and PostgreSQL were
// both given 47273).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <mutex>
#include <set>
#include <system_error>

namespace gauntlet {

namespace detail {

// Binds 127.0.0.1:0, reads the port the kernel chose, closes the socket.
inline std::uint16_t probe_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "free_port: socket()");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API is untyped
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (::bind(fd, sa, sizeof(addr)) != 0 || ::getsockname(fd, sa, &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "free_port: bind 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace detail

// A port free a moment ago that this process has not handed out before. Throws
// std::system_error when no socket can be bound, or when the kernel keeps offering ports already
// handed out (the ephemeral range is exhausted).
inline std::uint16_t free_port() {
  static std::mutex mutex;
  static std::set<std::uint16_t> handed_out;
  constexpr int kAttempts = 256;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::uint16_t port = detail::probe_port();
    const std::lock_guard lock(mutex);
    if (handed_out.insert(port).second) return port;
  }
  throw std::system_error(EADDRINUSE, std::generic_category(),
                          "free_port: every port the kernel offered was handed out before");
}

}  // namespace gauntlet
