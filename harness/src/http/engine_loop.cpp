#include "engine_loop.hpp"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "curl_transport.hpp"
#include "gauntlet/http/redact.hpp"
#include "gauntlet/http/transfer_failure.hpp"
#include "native_transport.hpp"

namespace gauntlet {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::nanoseconds;

std::int64_t to_us(nanoseconds d) noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

nanoseconds thread_cpu_time() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec);
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

bool WaitQueue::push(time_point t) noexcept {
  if (size_ == items_.size()) return false;
  items_[(head_ + size_) % items_.size()] = t;
  ++size_;
  return true;
}

void WaitQueue::pop() noexcept {
  head_ = (head_ + 1) % items_.size();
  --size_;
}

EngineLoop::EngineLoop(const EngineOptions& options, const RequestSource& source, LoopPlan plan)
    : options_(options),
      source_(source),
      plan_(plan),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (epoll_fd_.get() < 0) throw_errno("epoll_create1 for an engine loop");
  if (wake_fd_.get() < 0) throw_errno("eventfd for an engine loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeEventData;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev) != 0) {
    throw_errno("epoll_ctl for the engine's wake-up descriptor");
  }
  events_.resize(static_cast<std::size_t>(std::min(plan_.connections + 1, 1024)));
  slots_.resize(static_cast<std::size_t>(plan_.connections));
  free_.reserve(static_cast<std::size_t>(plan_.connections));
  // Popped from the back: connection 0 is used first.
  for (int i = plan_.connections - 1; i >= 0; --i) free_.push_back(i);
  const TransportSetup setup{options_, source_, plan_.connections, epoll_fd_.get(), *this};
  transport_ = resolve_engine_kind(options_.kind, source_.sample().url, options_.http_version) ==
                       EngineKind::kNative
                   ? make_native_transport(setup)
                   : make_curl_transport(setup);
  stats_.engine = std::string(transport_->name());
  if (plan_.curve != nullptr) waiting_.emplace(kWaitCapacity);
  for (std::vector<std::string>& seen : seen_errors_) seen.reserve(kMaxSamplesPerClass);
}

EngineLoop::~EngineLoop() = default;

bool EngineLoop::has_budget() const noexcept {
  return plan_.request_limit == 0 || static_cast<std::int64_t>(sequence_) < plan_.request_limit;
}

bool EngineLoop::may_send_more() const noexcept { return sending_ && has_budget(); }

void EngineLoop::start(int index, time_point intended, time_point now) {
  Slot& slot = slots_[static_cast<std::size_t>(index)];
  try {
    if (source_.is_fixed()) {
      transport_->begin(index, source_.sample());
    } else {
      source_.fill(sequence_, plan_.index, slot.own);
      transport_->begin(index, slot.own);
    }
  } catch (const std::exception& e) {
    // A generator that throws, or a request the transport cannot send, is user code failing:
    // counted, never fatal to the run.
    ++sequence_;
    shard_->record_iteration(now - intended, ErrorClass::kException, now);
    ++failed_;
    ++stats_.completed;
    shard_->record_error_message("", ErrorClass::kException, e.what());
    free_.push_back(index);
    return;
  }
  slot.intended = intended;
  slot.sent = now;
  slot.busy = true;
  ++sequence_;
  ++in_flight_;
  ++stats_.sent;
  if (now < plan_.window_end) ++stats_.sent_in_window;
}

void EngineLoop::compute_next_arrival() {
  next_arrival_.reset();
  if (plan_.request_limit != 0 && arrival_index_ >= plan_.request_limit) return;
  const std::optional<nanoseconds> offset = plan_.curve->arrival_time(arrival_index_);
  if (!offset) return;
  const time_point at = plan_.start + *offset;
  if (at < plan_.send_deadline) next_arrival_ = at;
}

void EngineLoop::advance_arrival() {
  arrival_index_ += plan_.loops;
  compute_next_arrival();
}

void EngineLoop::drop(time_point at) {
  shard_->record_dropped(at);
  ++stats_.dropped;
}

void EngineLoop::expire_waiting(time_point now) {
  while (!waiting_->empty() && now - waiting_->front() > options_.max_wait) {
    waiting_->pop();
    drop(now);
  }
}

// Every arrival that is due starts now on a free connection, or waits for one (oldest first).
void EngineLoop::release_arrivals(time_point now) {
  while (next_arrival_ && *next_arrival_ <= now) {
    const time_point intended = *next_arrival_;
    stats_.scheduling_lag.record(to_us(now - intended));
    if (!free_.empty() && waiting_->empty()) {
      const int slot = free_.back();
      free_.pop_back();
      start(slot, intended, now);
    } else if (!waiting_->push(intended)) {
      drop(now);
    } else {
      stats_.peak_waiting =
          std::max(stats_.peak_waiting, static_cast<std::int64_t>(waiting_->size()));
    }
    advance_arrival();
  }
}

void EngineLoop::reuse_or_free(int slot, time_point now) {
  if (waiting_) {
    expire_waiting(now);
    if (!waiting_->empty()) {
      const time_point intended = waiting_->front();
      waiting_->pop();
      start(slot, intended, now);
      return;
    }
    free_.push_back(slot);
    return;
  }
  if (may_send_more()) {
    start(slot, now, now);
  } else {
    free_.push_back(slot);
  }
}

void EngineLoop::note_error(ErrorClass error, const TransferResult& result) {
  std::array<char, 256> buf{};
  const std::string_view text =
      describe_transfer(result.failure, result.status, result.detail, buf);
  std::vector<std::string>& seen = seen_errors_[static_cast<std::size_t>(error)];
  if (seen.size() >= kMaxSamplesPerClass) return;
  if (std::find(seen.begin(), seen.end(), text) != seen.end()) return;
  seen.emplace_back(text);  // a new distinct message: the only allocation on this path
  shard_->record_error_message("", error, redact_text(text));
}

void EngineLoop::finished(int index, const TransferResult& result) {
  const time_point now = Steady::now();
  Slot& slot = slots_[static_cast<std::size_t>(index)];
  // A transport reports each transfer once; a second report for an idle slot would count a
  // request twice and leave in_flight_ below zero, so that the run never sees its end.
  if (!slot.busy) return;
  const std::optional<ErrorClass> error = classify_transfer(result.failure, result.status);
  shard_->record_iteration(now - slot.intended, error, now);
  stats_.uncorrected.record(to_us(now - slot.sent));
  ++stats_.status_counts[result.status >= 0 && result.status <= kMaxStatusCode
                             ? static_cast<std::size_t>(result.status)
                             : 0];
  stats_.bytes_received += result.body_bytes;
  stats_.connections_opened += result.connects;
  ++stats_.completed;
  --in_flight_;
  slot.busy = false;
  if (error) {
    ++failed_;
    note_error(*error, result);
  }
  reuse_or_free(index, now);
}

void EngineLoop::publish() noexcept {
  counters_.sent.store(stats_.sent, std::memory_order_relaxed);
  counters_.completed.store(stats_.completed, std::memory_order_relaxed);
  counters_.failed.store(failed_, std::memory_order_relaxed);
  counters_.dropped.store(stats_.dropped, std::memory_order_relaxed);
  counters_.in_flight.store(in_flight_, std::memory_order_relaxed);
}

EngineLoop::time_point EngineLoop::next_wakeup() const noexcept {
  time_point t = transport_->deadline();
  if (sending_) {
    t = std::min(t, plan_.send_deadline);
    if (next_arrival_) t = std::min(t, *next_arrival_);
    if (waiting_ && !waiting_->empty()) {
      t = std::min(
          t, waiting_->front() + std::chrono::duration_cast<Steady::duration>(options_.max_wait));
    }
  } else {
    t = std::min(t, drain_deadline_);
  }
  return t;
}

void EngineLoop::wait_and_dispatch(time_point now) {
  // Bounded so a missed wake-up can never hang a run for long.
  constexpr nanoseconds kMaxWait = std::chrono::milliseconds(250);
  const nanoseconds wait = std::clamp<nanoseconds>(next_wakeup() - now, nanoseconds(0), kMaxWait);
  int n = -1;
  if (!epoll_pwait2_missing_) {
    timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                static_cast<long>(wait.count() % 1'000'000'000)};
    n = epoll_pwait2(epoll_fd_.get(), events_.data(), static_cast<int>(events_.size()), &ts,
                     nullptr);
    if (n < 0 && errno == ENOSYS) epoll_pwait2_missing_ = true;
  }
  if (epoll_pwait2_missing_) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    n = epoll_wait(epoll_fd_.get(), events_.data(), static_cast<int>(events_.size()),
                   static_cast<int>(ms));
  }
  if (n < 0) {
    if (errno == EINTR) return;
    throw_errno("epoll wait in an engine loop");
  }
  for (int i = 0; i < n; ++i) {
    const epoll_event& event = events_[static_cast<std::size_t>(i)];
    if (event.data.u64 == kWakeEventData) {
      std::uint64_t value = 0;
      [[maybe_unused]] const auto r = ::read(wake_fd_.get(), &value, sizeof value);
      continue;
    }
    transport_->on_event(event.data.u64, event.events);
  }
  const time_point after = Steady::now();
  if (transport_->deadline() <= after) transport_->on_time(after);
  transport_->flush();
}

void EngineLoop::end_sending(time_point at) {
  if (!sending_) return;
  sending_ = false;
  stats_.send_window = at - plan_.start;
  drain_deadline_ = at + std::chrono::duration_cast<Steady::duration>(options_.drain_timeout);
  // Requests still waiting for a connection when the plan's time is up never started.
  while (waiting_ && !waiting_->empty()) {
    waiting_->pop();
    drop(at);
  }
}

void EngineLoop::abandon_all() {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].busy) continue;
    transport_->abandon(static_cast<int>(i));
    slots_[i].busy = false;
    ++stats_.abandoned;
    --in_flight_;
  }
  publish();
}

// Decides what to send now; false when the run is over.
bool EngineLoop::step_sending(time_point now, const std::atomic<bool>& stop) {
  if (stop.load(std::memory_order_relaxed)) {
    stats_.stopped = true;
    if (waiting_) {
      stats_.abandoned += static_cast<std::int64_t>(waiting_->size());
      while (!waiting_->empty()) waiting_->pop();
    }
    end_sending(now);
    abandon_all();
    return false;
  }
  if (!sending_) return true;
  if (now >= plan_.send_deadline) {
    end_sending(now);
  } else if (waiting_) {
    expire_waiting(now);
    release_arrivals(now);
    if (!next_arrival_ && waiting_->empty()) end_sending(now);
  } else {
    // Bounded by the free connections at entry: a start whose generator throws frees its slot
    // again, and must not spin here.
    for (std::size_t n = free_.size(); n > 0 && !free_.empty() && may_send_more(); --n) {
      const int slot = free_.back();
      free_.pop_back();
      start(slot, now, now);
    }
    if (!has_budget()) end_sending(now);
  }
  return true;
}

EngineStats EngineLoop::run(RecorderShard& shard, const std::atomic<bool>& stop) {
  shard_ = &shard;
  stats_.open_model = waiting_.has_value();
  const time_point wall_start = Steady::now();
  const nanoseconds cpu_start = thread_cpu_time();
  if (waiting_) {
    arrival_index_ = plan_.index;
    compute_next_arrival();
  }
  for (;;) {
    const time_point now = Steady::now();
    if (!step_sending(now, stop)) break;
    publish();
    if (!sending_ && in_flight_ == 0) break;
    if (!sending_ && now >= drain_deadline_) {
      abandon_all();
      break;
    }
    wait_and_dispatch(now);
  }
  const nanoseconds wall = Steady::now() - wall_start;
  const nanoseconds cpu = thread_cpu_time() - cpu_start;
  stats_.thread_busy = {wall.count() > 0
                            ? static_cast<double>(cpu.count()) / static_cast<double>(wall.count())
                            : 0.0};
  publish();
  return std::move(stats_);
}

void EngineLoop::wake() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto r = ::write(wake_fd_.get(), &one, sizeof one);
}

}  // namespace gauntlet
