#include "gauntlet/http/transfer_failure.hpp"

#include <array>
#include <cstdio>
#include <initializer_list>

namespace gauntlet {
namespace {

std::optional<ErrorClass> classify_status(long status) noexcept {
  if (status >= 100 && status < 400) return std::nullopt;
  if (status >= 400 && status < 500) return ErrorClass::kHttp4xx;
  if (status >= 500 && status < 600) return ErrorClass::kHttp5xx;
  return ErrorClass::kProtocol;  // no status line, or a code HTTP does not have
}

// Writes into a fixed buffer, silently truncating; never allocates.
class FixedWriter {
 public:
  explicit FixedWriter(std::span<char> out) noexcept : out_(out) {}
  void put(char c) noexcept {
    if (size_ + 1 < out_.size()) out_[size_++] = c;
  }
  void put(std::string_view s) noexcept {
    for (char c : s) put(c);
  }
  std::string_view text() noexcept {
    out_[size_] = '\0';
    return {out_.data(), size_};
  }

 private:
  std::span<char> out_;
  std::size_t size_ = 0;
};

bool starts_with_any(std::string_view s,
                     std::initializer_list<std::string_view> prefixes) noexcept {
  for (std::string_view p : prefixes) {
    if (s.substr(0, p.size()) == p) return true;
  }
  return false;
}

// Copies libcurl's detail with measured numbers ("after 3 ms", "with 120 bytes received",
// "990 out of 1000 bytes") written as N, so one failure kind gives one distinct sample instead
// of one per timing. Ports and addresses stay as they are.
void put_normalised(FixedWriter& w, std::string_view detail) noexcept {
  std::size_t i = 0;
  while (i < detail.size()) {
    if (detail[i] < '0' || detail[i] > '9') {
      w.put(detail[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < detail.size() && detail[end] >= '0' && detail[end] <= '9') ++end;
    const bool measured =
        starts_with_any(detail.substr(end), {" ms", " milliseconds", " bytes", " out of"});
    w.put(measured ? std::string_view("N") : detail.substr(i, end - i));
    i = end;
  }
}

// libcurl's own texts for the matching codes, so a failure without detail reads the same on
// either transport. Indexed by TransferFailure.
constexpr std::array<std::string_view, 11> kFailureNames = {
    "no failure",
    "Could not resolve host name",
    "Could not connect to server",
    "Timeout was reached",
    "TLS failure",
    "Failed sending data to the peer",
    "Failure when receiving data from the peer",
    "Weird server reply",
    "Server returned nothing (no headers, no data)",
    "Transferred a partial file",
    "transfer failed"};

}  // namespace

std::optional<ErrorClass> classify_transfer(TransferFailure failure, long status) noexcept {
  switch (failure) {
    case TransferFailure::kNone:
      return classify_status(status);
    case TransferFailure::kResolve:
      return ErrorClass::kDns;
    case TransferFailure::kConnect:
      return ErrorClass::kConnect;
    case TransferFailure::kTimeout:
      return ErrorClass::kTimeout;
    case TransferFailure::kTls:
      return ErrorClass::kTls;
    case TransferFailure::kSend:
    case TransferFailure::kRecv:
      // A reset before any response byte is a connection failure; after it, a broken response.
      return status == 0 ? ErrorClass::kConnect : ErrorClass::kProtocol;
    case TransferFailure::kMalformedResponse:
    case TransferFailure::kEmptyReply:
    case TransferFailure::kPartialBody:
    case TransferFailure::kOther:
      break;
  }
  return ErrorClass::kProtocol;
}

std::string_view describe_transfer(TransferFailure failure, long status, std::string_view detail,
                                   std::span<char> out) noexcept {
  if (out.empty()) return {};
  FixedWriter w(out);
  if (failure == TransferFailure::kNone) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "HTTP %ld", status);
    w.put(std::string_view(buf, n > 0 ? static_cast<std::size_t>(n) : 0));
    return w.text();
  }
  // libcurl's error buffer ends with a newline at times.
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' '))
    detail.remove_suffix(1);
  if (detail.empty()) {
    w.put(kFailureNames[static_cast<std::size_t>(failure)]);
  } else {
    put_normalised(w, detail);
  }
  return w.text();
}

}  // namespace gauntlet
