#pragma once
// A minimal HTTP server on 127.0.0.1:<free port> in a background thread, for health-check tests
// that must not depend on python or curl. Each connection gets `reply` (raw bytes) after the
// request headers arrive; an empty reply means "accept, read, never answer".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gauntlet::testing {

class TestHttpServer {
 public:
  explicit TestHttpServer(std::string reply) : reply_(std::move(reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, sa, sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, sa, &len) != 0) {
      throw std::runtime_error("TestHttpServer: cannot listen on 127.0.0.1:0");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    for (const int fd : open_) ::close(fd);
    ::close(listen_fd_);
  }

  static std::string status_reply(int status) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  }
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  void serve() {
    while (!stop_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      read_request(fd);
      ++requests_;
      if (reply_.empty()) {
        open_.push_back(fd);  // silent: keep it open until destruction
        continue;
      }
      [[maybe_unused]] const auto n = ::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  }
  static void read_request(int fd) {
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 2000) <= 0) return;
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<std::size_t>(n));
    }
  }

  std::string reply_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::vector<int> open_;
  std::thread thread_;
};

}  // namespace gauntlet::testing
