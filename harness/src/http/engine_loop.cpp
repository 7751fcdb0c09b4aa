#include "engine_loop.hpp"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "curl_options.hpp"
#include "gauntlet/http/outcome.hpp"
#include "gauntlet/http/redact.hpp"

namespace gauntlet {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

std::int64_t to_us(nanoseconds d) noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

nanoseconds thread_cpu_time() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec);
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

long receive_buffer_bytes(const EngineOptions& options, int connections) {
  if (options.receive_buffer_bytes != 0) return static_cast<long>(options.receive_buffer_bytes);
  if (connections <= 100) return CURL_MAX_WRITE_SIZE;
  return connections <= 1000 ? 4096L : 1024L;
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

// A multi handle with its own connection cache and timer, driving up to kConnectionsPerMulti
// connections of the loop. Its sockets share the loop's epoll set; their events carry the group's
// index in the upper 32 bits.
struct EngineLoop::Group {
  EngineLoop* loop = nullptr;
  std::uint32_t index = 0;
  MultiHandle multi;
  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  bool active = false;
};

namespace {
constexpr std::uint64_t kWakeEvent = ~std::uint64_t{0};
}  // namespace

// One connection: an easy handle set up once and reused for every request it carries.
struct EngineLoop::Slot {
  EasyHandle easy;
  Group* group = nullptr;
  Request own;                       // generator mode: this connection's request, reused
  const Request* request = nullptr;  // what apply_request() set up: `own` or the template
  HeaderNodes headers;
  std::string applied_url;
  std::string applied_method;
  bool applied_body = false;
  bool busy = false;
  SteadyClock::time_point intended{};
  SteadyClock::time_point sent{};
  std::array<char, CURL_ERROR_SIZE> errbuf{};
};

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

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

curl_slist* HeaderNodes::build(const std::vector<Header>& headers) {
  const std::size_t n = headers.size() + 1;
  if (lines_.size() < n) lines_.resize(n);
  if (nodes_.size() < n) nodes_.resize(n);
  for (std::size_t i = 0; i < headers.size(); ++i) write_header_line(headers[i], lines_[i]);
  lines_[n - 1].assign("Expect:");  // see make_header_list: no 1 s wait on large bodies
  for (std::size_t i = 0; i < n; ++i) {
    nodes_[i].data = lines_[i].data();
    nodes_[i].next = i + 1 < n ? &nodes_[i + 1] : nullptr;
  }
  return nodes_.data();
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
  ev.data.u64 = kWakeEvent;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev) != 0) {
    throw_errno("epoll_ctl for the engine's wake-up descriptor");
  }
  const int group_count = (plan_.connections + kConnectionsPerMulti - 1) / kConnectionsPerMulti;
  for (int g = 0; g < group_count; ++g) {
    auto group = std::make_unique<Group>();
    group->loop = this;
    group->index = static_cast<std::uint32_t>(g);
    group->multi = make_multi_handle();
    CURLM* multi = group->multi.get();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &EngineLoop::on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, group.get());
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &EngineLoop::on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, group.get());
    // Keep every connection of the group cached between requests (keep-alive), none beyond.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(kConnectionsPerMulti));
    groups_.push_back(std::move(group));
  }
  active_groups_.reserve(groups_.size());
  done_.reserve(kConnectionsPerMulti);
  events_.resize(static_cast<std::size_t>(std::min(plan_.connections + 1, 1024)));
  slots_.reserve(static_cast<std::size_t>(plan_.connections));
  free_.reserve(static_cast<std::size_t>(plan_.connections));
  for (int i = 0; i < plan_.connections; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->group = groups_[static_cast<std::size_t>(i / kConnectionsPerMulti)].get();
    setup_slot(*slots_.back());
    free_.push_back(slots_.back().get());
  }
  if (plan_.curve != nullptr) waiting_.emplace(kWaitCapacity);
  for (std::vector<std::string>& seen : seen_errors_) seen.reserve(kMaxSamplesPerClass);
}

EngineLoop::~EngineLoop() {
  // Handles still in the multi (an exception mid-run) leave it before either is cleaned up.
  for (const auto& slot : slots_) {
    if (slot->busy) curl_multi_remove_handle(slot->group->multi.get(), slot->easy.get());
  }
}

void EngineLoop::setup_slot(Slot& slot) {
  slot.easy = make_easy_handle();
  CURL* easy = slot.easy.get();
  CurlCommonOptions common;
  common.connect_timeout = options_.connect_timeout;
  common.timeout = options_.timeout;
  common.http_version = options_.http_version;
  common.verify_tls = options_.verify_tls;
  set_common_options(easy, common);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &slot);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot.errbuf.data());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard_body);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, receive_buffer_bytes(options_, plan_.connections));
  if (options_.http_version != HttpVersion::kHttp1_1) curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  if (source_.is_fixed()) {
    slot.request = &source_.sample();  // shared, read-only: one copy of a large body per engine
    apply_request(slot);
  } else {
    slot.request = &slot.own;
  }
}

// Sets only what changed since this connection's previous request: libcurl copies a URL or a
// custom method when it is set, so unchanged ones are left alone.
void EngineLoop::apply_request(Slot& slot) {
  CURL* easy = slot.easy.get();
  const Request& r = *slot.request;
  if (r.url != slot.applied_url) {
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    slot.applied_url.assign(r.url);
  }
  const bool body = sends_body(r.method, r.body);
  if (r.method != slot.applied_method || body != slot.applied_body) {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    set_method_and_body(easy, r.method, r.body);
    slot.applied_method.assign(r.method);
    slot.applied_body = body;
  } else if (body) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.empty() ? "" : r.body.data());
  }
  curl_slist* headers =
      source_.is_fixed() ? fixed_headers_.build(r.headers) : slot.headers.build(r.headers);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
}

int EngineLoop::on_socket(CURL*, curl_socket_t s, int what, void* userp, void* socketp) {
  auto* group = static_cast<Group*>(userp);
  const int epfd = group->loop->epoll_fd_.get();
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, s, nullptr);
    curl_multi_assign(group->multi.get(), s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events =
      ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0U) | ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0U);
  ev.data.u64 = (std::uint64_t{group->index} << 32) | static_cast<std::uint32_t>(s);
  // socketp marks a descriptor already in the epoll set, saving a failed syscall per change.
  if (socketp == nullptr) {
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST) {
      epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev);
    }
    curl_multi_assign(group->multi.get(), s, group);
  } else if (epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
    epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
  }
  return 0;
}

int EngineLoop::on_timer(CURLM*, long timeout_ms, void* userp) {
  auto* group = static_cast<Group*>(userp);
  group->deadline = timeout_ms < 0 ? time_point::max()
                                   : SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  return 0;
}

bool EngineLoop::has_budget() const noexcept {
  return plan_.request_limit == 0 || static_cast<std::int64_t>(sequence_) < plan_.request_limit;
}

bool EngineLoop::may_send_more() const noexcept { return sending_ && has_budget(); }

void EngineLoop::start(Slot& slot, time_point intended, time_point now) {
  if (!source_.is_fixed()) {
    try {
      source_.fill(sequence_, plan_.index, slot.own);
      apply_request(slot);
    } catch (const std::exception& e) {
      // A generator that throws is user code failing: counted, never fatal to the run.
      ++sequence_;
      shard_->record_iteration(now - intended, ErrorClass::kException, now);
      ++failed_;
      ++stats_.completed;
      shard_->record_error_message("", ErrorClass::kException, e.what());
      free_.push_back(&slot);
      return;
    }
  }
  slot.intended = intended;
  slot.sent = now;
  slot.busy = true;
  curl_multi_add_handle(slot.group->multi.get(), slot.easy.get());
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
      Slot* slot = free_.back();
      free_.pop_back();
      start(*slot, intended, now);
    } else if (!waiting_->push(intended)) {
      drop(now);
    } else {
      stats_.peak_waiting =
          std::max(stats_.peak_waiting, static_cast<std::int64_t>(waiting_->size()));
    }
    advance_arrival();
  }
}

void EngineLoop::reuse_or_free(Slot& slot, time_point now) {
  if (waiting_) {
    expire_waiting(now);
    if (!waiting_->empty()) {
      const time_point intended = waiting_->front();
      waiting_->pop();
      start(slot, intended, now);
      return;
    }
    free_.push_back(&slot);
    return;
  }
  if (may_send_more()) {
    start(slot, now, now);
  } else {
    free_.push_back(&slot);
  }
}

void EngineLoop::note_error(ErrorClass error, CURLcode code, long status, const char* detail) {
  std::array<char, 256> buf{};
  const std::string_view text = describe_outcome(code, status, detail, buf);
  std::vector<std::string>& seen = seen_errors_[static_cast<std::size_t>(error)];
  if (seen.size() >= kMaxSamplesPerClass) return;
  if (std::find(seen.begin(), seen.end(), text) != seen.end()) return;
  seen.emplace_back(text);  // a new distinct message: the only allocation on this path
  shard_->record_error_message("", error, redact_text(text));
}

void EngineLoop::complete(Slot& slot, CURLcode code, time_point now) {
  CURL* easy = slot.easy.get();
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  const std::optional<ErrorClass> error = classify_outcome(code, status);
  shard_->record_iteration(now - slot.intended, error, now);
  stats_.uncorrected.record(to_us(now - slot.sent));
  ++stats_.status_counts[status >= 0 && status <= kMaxStatusCode ? static_cast<std::size_t>(status)
                                                                 : 0];
  stats_.bytes_received += bytes;
  stats_.connections_opened += connects;
  ++stats_.completed;
  --in_flight_;
  slot.busy = false;
  if (error) {
    ++failed_;
    note_error(*error, code, status, slot.errbuf.data());
  }
}

void EngineLoop::mark_active(Group& group) {
  if (group.active) return;
  group.active = true;
  active_groups_.push_back(&group);
}

// Every message is read before any handle is removed: libcurl's remove walks the unread
// messages, so removing while reading would cost a walk per completion.
void EngineLoop::drain_group(Group& group) {
  CURLM* multi = group.multi.get();
  done_.clear();
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg == CURLMSG_DONE) done_.push_back(Done{msg->easy_handle, msg->data.result});
  }
  for (const Done& d : done_) {
    Slot* slot = nullptr;
    curl_easy_getinfo(d.easy, CURLINFO_PRIVATE, &slot);
    curl_multi_remove_handle(multi, d.easy);
    const time_point now = SteadyClock::now();
    complete(*slot, d.code, now);
    reuse_or_free(*slot, now);
  }
}

void EngineLoop::complete_transfers() {
  // reuse_or_free may start requests in any group, which marks it active again: loop by index.
  for (std::size_t i = 0; i < active_groups_.size(); ++i) {
    Group& group = *active_groups_[i];
    group.active = false;
    drain_group(group);
  }
  active_groups_.clear();  // the loop publishes the counters after its next sending step
}

void EngineLoop::publish() noexcept {
  counters_.sent.store(stats_.sent, std::memory_order_relaxed);
  counters_.completed.store(stats_.completed, std::memory_order_relaxed);
  counters_.failed.store(failed_, std::memory_order_relaxed);
  counters_.dropped.store(stats_.dropped, std::memory_order_relaxed);
  counters_.in_flight.store(in_flight_, std::memory_order_relaxed);
}

EngineLoop::time_point EngineLoop::next_wakeup() const noexcept {
  time_point t = time_point::max();
  for (const auto& group : groups_) t = std::min(t, group->deadline);
  if (sending_) {
    t = std::min(t, plan_.send_deadline);
    if (next_arrival_) t = std::min(t, *next_arrival_);
    if (waiting_ && !waiting_->empty()) {
      t = std::min(t, waiting_->front() +
                          std::chrono::duration_cast<SteadyClock::duration>(options_.max_wait));
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
  int running = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t data = events_[static_cast<std::size_t>(i)].data.u64;
    const std::uint32_t ev = events_[static_cast<std::size_t>(i)].events;
    if (data == kWakeEvent) {
      std::uint64_t value = 0;
      [[maybe_unused]] const auto r = ::read(wake_fd_.get(), &value, sizeof value);
      continue;
    }
    Group& group = *groups_[static_cast<std::size_t>(data >> 32)];
    const auto fd = static_cast<curl_socket_t>(data & 0xFFFFFFFFU);
    const int mask = ((ev & (EPOLLIN | EPOLLHUP)) != 0 ? CURL_CSELECT_IN : 0) |
                     ((ev & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0) |
                     ((ev & (EPOLLERR | EPOLLHUP)) != 0 ? CURL_CSELECT_ERR : 0);
    curl_multi_socket_action(group.multi.get(), fd, mask, &running);
    mark_active(group);
  }
  fire_timers(SteadyClock::now());
}

void EngineLoop::fire_timers(time_point now) {
  int running = 0;
  for (const auto& group : groups_) {
    if (group->deadline > now) continue;
    group->deadline = time_point::max();  // the action below may set a new one
    curl_multi_socket_action(group->multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
    mark_active(*group);
  }
}

void EngineLoop::end_sending(time_point at) {
  if (!sending_) return;
  sending_ = false;
  stats_.send_window = at - plan_.start;
  drain_deadline_ = at + std::chrono::duration_cast<SteadyClock::duration>(options_.drain_timeout);
  // Requests still waiting for a connection when the plan's time is up never started.
  while (waiting_ && !waiting_->empty()) {
    waiting_->pop();
    drop(at);
  }
}

void EngineLoop::abandon_all() {
  for (const auto& slot : slots_) {
    if (!slot->busy) continue;
    curl_multi_remove_handle(slot->group->multi.get(), slot->easy.get());
    slot->busy = false;
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
      Slot* slot = free_.back();
      free_.pop_back();
      start(*slot, now, now);
    }
    if (!has_budget()) end_sending(now);
  }
  return true;
}

EngineStats EngineLoop::run(RecorderShard& shard, const std::atomic<bool>& stop) {
  shard_ = &shard;
  stats_.open_model = waiting_.has_value();
  const time_point wall_start = SteadyClock::now();
  const nanoseconds cpu_start = thread_cpu_time();
  if (waiting_) {
    arrival_index_ = plan_.index;
    compute_next_arrival();
  }
  for (;;) {
    const time_point now = SteadyClock::now();
    if (!step_sending(now, stop)) break;
    publish();
    if (!sending_ && in_flight_ == 0) break;
    if (!sending_ && now >= drain_deadline_) {
      abandon_all();
      break;
    }
    wait_and_dispatch(now);
    complete_transfers();
  }
  const nanoseconds wall = SteadyClock::now() - wall_start;
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
