#pragma once
// Where the engine's requests come from: one fixed template (the fast path: each connection's
// handle is set up once and reused as it is), or a generator called for every request.
//
// A generator fills a Request the engine owns and reuses for that connection, so assigning into
// its strings reuses their capacity: once warm, a generator that writes requests of similar size
// allocates nothing. It is called from every engine thread at once and must be thread-safe.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gauntlet/http/request.hpp"

namespace gauntlet {

// sequence counts the requests of one engine thread (0, 1, 2, ...); thread is that thread's index.
using RequestGenerator = std::function<void(std::uint64_t sequence, int thread, Request& out)>;

class RequestSource {
 public:
  // Every request is `request`.
  static RequestSource fixed(Request request);
  // Every request is made by `generator`; `sample` is a representative request, used to check
  // the target before the run (its URL decides loopback and the preflight connect).
  static RequestSource generated(Request sample, RequestGenerator generator);
  // `base` with its body replaced by bodies[i % size] in turn (per thread, starting at a
  // different offset for each thread). Throws std::invalid_argument when bodies is empty.
  static RequestSource rotating_bodies(Request base, std::vector<std::string> bodies);

  bool is_fixed() const noexcept { return !generator_; }
  // The template (fixed) or the sample (generated).
  const Request& sample() const noexcept { return sample_; }
  // Fills `out` with request `sequence` of `thread`. For a fixed source: a copy of the template.
  void fill(std::uint64_t sequence, int thread, Request& out) const;

 private:
  RequestSource(Request sample, RequestGenerator generator)
      : sample_(std::move(sample)), generator_(std::move(generator)) {}

  Request sample_;
  RequestGenerator generator_;
};

// Request bodies from a JSON file: a top-level array gives one body per element, an object with
// an array member "prompts" (or "items", "requests") gives one per element of it. A string element
// is sent as its text, anything else as its compact JSON. Throws ConfigError naming the path when
// the file cannot be read, is not JSON, or holds no such array or an empty one.
std::vector<std::string> load_request_bodies(const std::filesystem::path& path);

}  // namespace gauntlet
