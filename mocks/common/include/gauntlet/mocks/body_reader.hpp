#pragma once
// Reads the fields of a JSON request body, collecting every problem; finish() throws them all at
// once as a ConfigError, which the router answers with 400. Each problem is a full sentence
// naming the field, the value and the limit: "duration_ms must be an integer in 1..3600000,
// got 0." A missing or mistyped field yields a default so that reading can go on.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/request.hpp"

namespace gauntlet::mocks {

class BodyReader {
 public:
  // Throws HttpError(400) when `body` is not a JSON object. `body` must outlive the reader.
  explicit BodyReader(const nlohmann::json& body);

  const nlohmann::json& body() const noexcept { return body_; }
  bool has(const char* field) const { return body_.contains(field) && !body_[field].is_null(); }

  std::string string(const char* field, std::size_t max_length);
  std::optional<std::string> optional_string(const char* field, std::size_t max_length);
  std::int64_t integer(const char* field, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> optional_integer(const char* field, std::int64_t min,
                                               std::int64_t max);
  double number(const char* field, double min, double max);
  std::optional<double> optional_number(const char* field, double min, double max);
  // Records a problem found by the caller (a cross-field rule).
  void problem(std::string sentence) { problems_.add(std::move(sentence)); }

  // Throws ConfigError with every problem recorded so far.
  void finish() const { problems_.throw_if_any(); }

 private:
  const nlohmann::json& body_;
  Problems problems_;
};

// The route capture `name` as a positive 64-bit id; throws HttpError(400) naming it otherwise.
std::int64_t path_id(const Request& request, const std::string& name);

}  // namespace gauntlet::mocks
