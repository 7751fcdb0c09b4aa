#pragma once
// Internal: how an engine loop moves requests, in gauntlet's vocabulary only (wrk's `struct sock`:
// the loop never branches on which transport it has). The loop decides when each request starts
// and records what happened; a transport carries requests over its connections and says when
// each one finished. Each transport (its own *_transport.hpp beside this file) registers its
// descriptors in the loop's epoll set with event data of its own choosing (never kWakeEventData)
// and reports every transfer exactly once, through TransferSink. Why there are two and what each
// does: docs/http-engines.md.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/http/request_source.hpp"
#include "gauntlet/http/transfer_failure.hpp"

namespace gauntlet {

// The epoll data the loop keeps for its own wake-up descriptor.
inline constexpr std::uint64_t kWakeEventData = ~std::uint64_t{0};

// How one transfer ended, in gauntlet's vocabulary for both transports, so classify_transfer and
// describe_transfer stay the one mapping to error classes and messages.
struct TransferResult {
  TransferFailure failure = TransferFailure::kNone;
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
  // Which transport this is, as results name it ("native", ...).
  virtual std::string_view name() const noexcept = 0;
};

struct TransportSetup {
  const EngineOptions& options;
  const RequestSource& source;
  int connections = 1;  // this loop's
  int epoll_fd = -1;
  TransferSink& sink;
};

}  // namespace gauntlet
