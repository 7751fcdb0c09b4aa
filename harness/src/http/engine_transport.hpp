#pragma once
// Internal: how an engine loop moves requests. The loop decides when each request starts and
// records what happened; a transport carries requests over its connections and says when each
// one finished. Two transports exist:
//   - curl:   libcurl's multi interface through its socket API (TLS, HTTP/2, proxies' absence,
//             every URL libcurl takes);
//   - native: plain-text HTTP/1.1 keep-alive on non-blocking sockets, responses parsed by
//             Boost.Beast's parser. It exists because libcurl's own per-request work (about 30
//             allocations, URL and header re-parsing, a liveness poll and two epoll_ctl calls per
//             request) costs about 3x wrk's CPU per request; see docs/http-engines.md.
// Both register their descriptors in the loop's epoll set with event data of their own choosing
// (never kWakeEventData) and report every transfer exactly once, through TransferSink.
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/http/request_source.hpp"

namespace gauntlet {

// The epoll data the loop keeps for its own wake-up descriptor.
inline constexpr std::uint64_t kWakeEventData = ~std::uint64_t{0};

// How one transfer ended, in libcurl's vocabulary for both transports, so classify_outcome and
// describe_outcome stay the one mapping to error classes and messages.
struct TransferResult {
  CURLcode code = CURLE_OK;
  long status = 0;               // 0 when no response began
  std::int64_t body_bytes = 0;   // response body bytes
  std::int64_t connects = 0;     // connections this transfer opened
  std::string_view detail = {};  // the failure's text; valid during the call only
};

class TransferSink {
 public:
  // Connection `slot`'s transfer ended. The slot is idle again when this is called: the sink may
  // begin the next request on it at once.
  virtual void finished(int slot, const TransferResult& result) = 0;

 protected:
  ~TransferSink() = default;
};

class Transport {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Transport() = default;

  // Starts `request` on idle connection `slot` (0-based, below the connection count). `request`
  // stays valid and unchanged until the slot's transfer is reported or abandoned. Throws
  // std::invalid_argument for a request this transport cannot send (the loop counts it as a
  // failed request, like a throwing generator); never reports the transfer from inside begin().
  virtual void begin(int slot, const Request& request) = 0;
  // One epoll event for a descriptor this transport registered.
  virtual void on_event(std::uint64_t data, std::uint32_t events) = 0;
  // The earliest time the transport needs on_time(); time_point::max() for none.
  virtual time_point deadline() const noexcept = 0;
  virtual void on_time(time_point now) = 0;
  // Called after every batch of on_event()/on_time() calls: reports what finished and is not
  // reported yet.
  virtual void flush() = 0;
  // Forgets the slot's transfer without reporting it (stop, or the drain ran out).
  virtual void abandon(int slot) = 0;
  // Which transport this is: "curl" or "native".
  virtual std::string_view name() const noexcept = 0;
};

struct TransportSetup {
  const EngineOptions& options;
  const RequestSource& source;
  int connections = 1;  // this loop's
  int epoll_fd = -1;
  TransferSink& sink;
};

// Throw std::runtime_error / std::system_error when a resource cannot be made.
std::unique_ptr<Transport> make_curl_transport(const TransportSetup& setup);
std::unique_ptr<Transport> make_native_transport(const TransportSetup& setup);

}  // namespace gauntlet
