#pragma once
// Internal: the native transport: plain-text HTTP/1.1 keep-alive on the loop's own non-blocking
// sockets, responses parsed by Boost.Beast's parser, at wrk's cost per request. It exists because
// libcurl's own per-request work (about 30 allocations, URL and header re-parsing, a liveness
// poll and two epoll_ctl calls per request) costs about 3x wrk's CPU; see docs/http-engines.md.
#include <memory>

#include "engine_transport.hpp"

namespace gauntlet {

// Throws std::system_error when a resource cannot be made, std::invalid_argument for a URL it
// cannot carry.
std::unique_ptr<Transport> make_native_transport(const TransportSetup& setup);

}  // namespace gauntlet
