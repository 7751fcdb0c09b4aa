// The curl transport: libcurl's multi interface driven through its socket API
// (curl_multi_socket_action) on the loop's epoll set. Each connection is one easy handle, set up
// once and reused; connections are grouped kConnectionsPerMulti to a multi handle.
#include "curl_transport.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <vector>

#include "curl_options.hpp"
#include "engine_transport.hpp"
#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/http/outcome.hpp"

namespace gauntlet {

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

namespace {

using Steady = std::chrono::steady_clock;

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

long receive_buffer_bytes(const EngineOptions& options, int connections) {
  if (options.receive_buffer_bytes != 0) return static_cast<long>(options.receive_buffer_bytes);
  if (connections <= 100) return CURL_MAX_WRITE_SIZE;
  return connections <= 1000 ? 4096L : 1024L;
}

class CurlTransport;

// A multi handle with its own connection cache and timer. Its sockets' events carry the group's
// index in the upper 32 bits.
struct Group {
  CurlTransport* transport = nullptr;
  std::uint32_t index = 0;
  MultiHandle multi;
  Steady::time_point deadline = Steady::time_point::max();
  bool active = false;
};

// One connection.
struct Slot {
  EasyHandle easy;
  Group* group = nullptr;
  int index = 0;
  HeaderNodes headers;  // generator mode
  // What apply() set last, so unchanged settings are left alone (libcurl copies a URL or a
  // custom method each time one is set).
  std::string applied_url;
  std::string applied_method;
  bool applied_body = false;
  bool applied = false;  // apply() ran at least once
  bool busy = false;
  bool retried = false;  // the current request was sent again after a stale connection
  std::array<char, CURL_ERROR_SIZE> errbuf{};
};

struct Done {
  CURL* easy;
  CURLcode code;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(const TransportSetup& setup)
      : options_(setup.options),
        epoll_fd_(setup.epoll_fd),
        sink_(setup.sink),
        fixed_(setup.source.is_fixed()) {
    const int group_count = (setup.connections + kConnectionsPerMulti - 1) / kConnectionsPerMulti;
    for (int g = 0; g < group_count; ++g) {
      auto group = std::make_unique<Group>();
      group->transport = this;
      group->index = static_cast<std::uint32_t>(g);
      group->multi = make_multi_handle();
      CURLM* multi = group->multi.get();
      curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlTransport::on_socket);
      curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, group.get());
      curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlTransport::on_timer);
      curl_multi_setopt(multi, CURLMOPT_TIMERDATA, group.get());
      // Keep every connection of the group cached between requests (keep-alive), none beyond.
      curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(kConnectionsPerMulti));
      groups_.push_back(std::move(group));
    }
    active_groups_.reserve(groups_.size());
    done_.reserve(kConnectionsPerMulti);
    slots_.reserve(static_cast<std::size_t>(setup.connections));
    const long buffer = receive_buffer_bytes(options_, setup.connections);
    curl_slist* fixed_list = fixed_ ? fixed_headers_.build(setup.source.sample().headers) : nullptr;
    for (int i = 0; i < setup.connections; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->index = i;
      slot->group = groups_[static_cast<std::size_t>(i / kConnectionsPerMulti)].get();
      set_up(*slot, buffer);
      if (fixed_) apply(*slot, setup.source.sample(), fixed_list);
      slots_.push_back(std::move(slot));
    }
  }

  ~CurlTransport() override {
    // Handles still in a multi (an exception mid-run) leave it before either is cleaned up.
    for (const auto& slot : slots_) {
      if (slot->busy) curl_multi_remove_handle(slot->group->multi.get(), slot->easy.get());
    }
  }

  void begin(int index, const Request& request) override {
    Slot& slot = *slots_[static_cast<std::size_t>(index)];
    if (!fixed_) apply(slot, request, slot.headers.build(request.headers));
    slot.busy = true;
    slot.retried = false;
    curl_multi_add_handle(slot.group->multi.get(), slot.easy.get());
  }

  void on_event(std::uint64_t data, std::uint32_t ev) override {
    Group& group = *groups_[static_cast<std::size_t>(data >> 32)];
    const auto fd = static_cast<curl_socket_t>(data & 0xFFFFFFFFU);
    const int mask = ((ev & (EPOLLIN | EPOLLHUP)) != 0 ? CURL_CSELECT_IN : 0) |
                     ((ev & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0) |
                     ((ev & (EPOLLERR | EPOLLHUP)) != 0 ? CURL_CSELECT_ERR : 0);
    int running = 0;
    curl_multi_socket_action(group.multi.get(), fd, mask, &running);
    mark_active(group);
  }

  time_point deadline() const noexcept override {
    time_point t = time_point::max();
    for (const auto& group : groups_) t = std::min(t, group->deadline);
    return t;
  }

  void on_time(time_point now) override {
    int running = 0;
    for (const auto& group : groups_) {
      if (group->deadline > now) continue;
      group->deadline = time_point::max();  // the action below may set a new one
      curl_multi_socket_action(group->multi.get(), CURL_SOCKET_TIMEOUT, 0, &running);
      mark_active(*group);
    }
  }

  void flush() override {
    // A finished transfer may start the next request in any group, which marks it active again:
    // loop by index.
    for (std::size_t i = 0; i < active_groups_.size(); ++i) {
      Group& group = *active_groups_[i];
      group.active = false;
      drain(group);
    }
    active_groups_.clear();
  }

  void abandon(int index) override {
    Slot& slot = *slots_[static_cast<std::size_t>(index)];
    if (!slot.busy) return;
    curl_multi_remove_handle(slot.group->multi.get(), slot.easy.get());
    slot.busy = false;
  }

  std::string_view name() const noexcept override { return "curl"; }

 private:
  static int on_socket(CURL*, curl_socket_t s, int what, void* userp, void* socketp) {
    auto* group = static_cast<Group*>(userp);
    const int epfd = group->transport->epoll_fd_;
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

  static int on_timer(CURLM*, long timeout_ms, void* userp) {
    auto* group = static_cast<Group*>(userp);
    group->deadline =
        timeout_ms < 0 ? time_point::max() : Steady::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  void set_up(Slot& slot, long buffer) {
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
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, buffer);
    if (options_.http_version != HttpVersion::kHttp1_1) {
      curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    }
  }

  // Sets only what changed since this connection's previous request. A fixed template is applied
  // once, when the transport is made, with one header list shared by every connection (and one
  // copy of a large body: libcurl sends it from the template's memory).
  void apply(Slot& slot, const Request& r, curl_slist* headers) {
    CURL* easy = slot.easy.get();
    if (r.url != slot.applied_url) {
      curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
      slot.applied_url.assign(r.url);
    }
    const bool body = sends_body(r.method, r.body);
    if (!slot.applied || r.method != slot.applied_method || body != slot.applied_body) {
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
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    slot.applied = true;
  }

  void mark_active(Group& group) {
    if (group.active) return;
    group.active = true;
    active_groups_.push_back(&group);
  }

  // A reused connection that failed before any response byte: the server closed it as the
  // request went out. libcurl sends such a request again itself when it sees the close, but not
  // when the close came as a reset (a server closing with our next request unread sends one), so
  // the transport does, once, as the native transport does for either.
  static bool stale_connection(const Slot& slot, const TransferResult& result) noexcept {
    const bool broken = result.failure == TransferFailure::kRecv ||
                        result.failure == TransferFailure::kSend ||
                        result.failure == TransferFailure::kEmptyReply;
    return broken && !slot.retried && result.connects == 0 && result.status == 0;
  }

  // Every message is read before any handle is removed: libcurl's remove walks the unread
  // messages, so removing while reading would cost a walk per completion.
  void drain(Group& group) {
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
      TransferResult result;
      result.failure = transfer_failure_of(d.code);
      curl_easy_getinfo(d.easy, CURLINFO_RESPONSE_CODE, &result.status);
      curl_off_t bytes = 0;
      curl_easy_getinfo(d.easy, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
      result.body_bytes = bytes;
      long connects = 0;
      curl_easy_getinfo(d.easy, CURLINFO_NUM_CONNECTS, &connects);
      result.connects = connects;
      result.detail = slot->errbuf.data();
      // libcurl leaves its error buffer empty for some codes: its own text for the code then.
      if (result.detail.find_first_not_of("\n ") == std::string_view::npos && d.code != CURLE_OK) {
        result.detail = curl_easy_strerror(d.code);
      }
      if (stale_connection(*slot, result)) {
        slot->retried = true;
        curl_multi_add_handle(multi, d.easy);
        continue;
      }
      slot->busy = false;
      sink_.finished(slot->index, result);
    }
  }

  const EngineOptions& options_;
  int epoll_fd_;
  TransferSink& sink_;
  bool fixed_;                 // the source is one template, applied once
  HeaderNodes fixed_headers_;  // its header list, shared by every connection
  std::vector<std::unique_ptr<Slot>> slots_;
  // Declared after slots_: destroyed first, while the easy handles still exist.
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<Group*> active_groups_;  // had socket activity or a timer since the last flush
  std::vector<Done> done_;             // completions read from a group, before they are handled
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport(const TransportSetup& setup) {
  return std::make_unique<CurlTransport>(setup);
}

}  // namespace gauntlet
