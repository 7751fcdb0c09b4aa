// Fuzz target: the native transport's ResponseReader must read any bytes the same however a
// connection's reads cut them. The first byte chooses a HEAD request (bit 0) and where to split
// the rest (bits 1-7, a fraction of its length); the rest is read whole and split in two, and
// both reads must agree on state, status, body size, keep-alive and excess bytes. Body bytes
// can never outnumber the bytes received.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../../harness/src/http/native_http.hpp"  // internal to the http module

namespace {

using gauntlet::ResponseReader;
using State = ResponseReader::State;

struct Read {
  State state = State::kNeedMore;
  long status = 0;
  std::int64_t body_bytes = 0;
  bool header_done = false;
  bool keep_alive = false;
  std::size_t excess = 0;
  bool operator==(const Read&) const = default;
};

void require(bool ok) {
  if (!ok) __builtin_trap();
}

// Feeds `first` then `second` as two reads, then eof() while the reader still needs more.
Read read(ResponseReader& reader, std::string_view first, std::string_view second) {
  Read out;
  out.state = reader.feed(first);
  if (out.state == State::kDone) {
    require(reader.excess_bytes() <= first.size());
    out.excess = reader.excess_bytes() + second.size();
  } else if (out.state == State::kNeedMore) {
    out.state = reader.feed(second);
    if (out.state == State::kDone) {
      require(reader.excess_bytes() <= second.size());
      out.excess = reader.excess_bytes();
    }
  }
  if (out.state == State::kNeedMore) out.state = reader.eof();
  if (out.state == State::kError) {
    const char* error = reader.error();
    require(error != nullptr && *error != '\0');
  }
  out.status = reader.status();
  out.body_bytes = reader.body_bytes();
  out.header_done = reader.header_done();
  out.keep_alive = reader.keep_alive();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool head = (data[0] & 1U) != 0;
  const std::string_view response(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t at = response.size() * (data[0] >> 1U) / 127U;

  ResponseReader reader;
  reader.reset(head);
  const Read whole = read(reader, response, {});
  // The same reader, reset as a kept-alive connection does it, reads the split input.
  reader.reset(head);
  const Read split = read(reader, response.substr(0, at), response.substr(at));

  require(whole == split);
  require(whole.body_bytes >= 0);
  require(static_cast<std::uint64_t>(whole.body_bytes) <= response.size());
  require(whole.excess <= response.size());
  require(whole.status >= 0 && whole.status <= 999);
  if (whole.state == State::kDone) require(whole.header_done);
  return 0;
}
