// The transports' contract with the loop that owns them (engine_transport.hpp), for both: every
// transfer is reported to the sink once, and a transfer that is abandoned, or still in flight when
// the transport is destroyed, is never reported. The last is what makes the loop's teardown safe
// whatever order its members die in: a transport that reported from its destructor would call a
// sink that is being destroyed.
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "../../../harness/src/http/curl_transport.hpp"    // internal to the http module
#include "../../../harness/src/http/engine_transport.hpp"  // internal to the http module
#include "../../../harness/src/http/native_transport.hpp"  // internal to the http module
#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/unique_fd.hpp"
#include "support/test_server.hpp"

namespace gauntlet {
namespace {

using namespace std::chrono_literals;
using http_test::TestServer;
using Steady = std::chrono::steady_clock;

struct CountingSink final : TransferSink {
  std::vector<int> reported;  // slots, in report order
  void finished(int slot, const TransferResult&) override { reported.push_back(slot); }
};

using MakeTransport = std::unique_ptr<Transport> (*)(const TransportSetup&);

struct Kind {
  const char* name;
  MakeTransport make;
};

void PrintTo(const Kind& kind, std::ostream* os) { *os << kind.name; }

class TransportTest : public ::testing::TestWithParam<Kind> {
 protected:
  // A transport of `connections` connections for GET `url`, on this test's epoll set.
  std::unique_ptr<Transport> make(const std::string& url, int connections) {
    source_ = std::make_unique<RequestSource>(RequestSource::fixed(Request{"GET", url, {}, {}}));
    const TransportSetup setup{options_, *source_, connections, epoll_.get(), sink_};
    return GetParam().make(setup);
  }

  // What the engine loop does, without it: waits for events and hands them over, then the
  // timers, then flush(); until `done` or `bound` has passed.
  void dispatch(Transport& t, const std::function<bool()>& done, Steady::duration bound) {
    const auto until = Steady::now() + bound;
    std::array<epoll_event, 64> events{};
    while (!done() && Steady::now() < until) {
      const int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), 10);
      for (int i = 0; i < n; ++i) t.on_event(events[i].data.u64, events[i].events);
      const auto now = Steady::now();
      if (t.deadline() <= now) t.on_time(now);
      t.flush();
    }
  }

  const CurlGlobal curl_;
  EngineOptions options_;
  std::unique_ptr<RequestSource> source_;
  UniqueFd epoll_{epoll_create1(EPOLL_CLOEXEC)};
  CountingSink sink_;
};

INSTANTIATE_TEST_SUITE_P(Transports, TransportTest,
                         ::testing::Values(Kind{"native", &make_native_transport},
                                           Kind{"curl", &make_curl_transport}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// The control for the tests below: the sink does hear of a transfer that ends.
TEST_P(TransportTest, ReportsAFinishedTransferToItsSinkOnce) {
  const TestServer server;
  std::unique_ptr<Transport> transport = make(server.url("/ok"), 2);
  const Request request{"GET", server.url("/ok"), {}, {}};
  transport->begin(1, request);
  dispatch(
      *transport, [&] { return !sink_.reported.empty(); }, 10s);
  dispatch(
      *transport, [] { return false; }, 50ms);  // nothing more comes
  EXPECT_EQ(sink_.reported, std::vector<int>{1});
}

TEST_P(TransportTest, DestroyedWithTransfersInFlightNeverCallsItsSink) {
  const TestServer server;
  const std::string url = server.url("/delay/10000");  // held far longer than the test runs
  std::unique_ptr<Transport> transport = make(url, 4);
  const Request request{"GET", url, {}, {}};
  for (int slot = 0; slot < 4; ++slot) transport->begin(slot, request);
  // Connected and sent: the transfers are waiting for their answers.
  dispatch(
      *transport, [&] { return server.requests() == 4; }, 10s);
  ASSERT_EQ(server.requests(), 4);
  transport.reset();
  EXPECT_TRUE(sink_.reported.empty());
}

TEST_P(TransportTest, NeverReportsAnAbandonedTransfer) {
  const TestServer server;
  const std::string url = server.url("/delay/300");
  std::unique_ptr<Transport> transport = make(url, 2);
  const Request request{"GET", url, {}, {}};
  transport->begin(0, request);
  transport->begin(1, request);
  dispatch(
      *transport, [&] { return server.requests() == 2; }, 10s);
  transport->abandon(0);
  // Slot 1's answer comes; slot 0's would have come at the same time.
  dispatch(
      *transport, [&] { return !sink_.reported.empty(); }, 10s);
  dispatch(
      *transport, [] { return false; }, 100ms);
  EXPECT_EQ(sink_.reported, std::vector<int>{1});
}

}  // namespace
}  // namespace gauntlet
