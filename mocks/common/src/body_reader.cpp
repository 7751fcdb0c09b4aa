#include "gauntlet/mocks/body_reader.hpp"

#include <charconv>

#include "gauntlet/mocks/http_error.hpp"

namespace gauntlet::mocks {

BodyReader::BodyReader(const nlohmann::json& body) : body_(body) {
  if (!body_.is_object()) throw HttpError(400, "The request body must be a JSON object.");
}

std::optional<std::string> BodyReader::optional_string(const char* field, std::size_t max_length) {
  if (!has(field)) return std::nullopt;
  const auto& v = body_[field];
  if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
      v.get_ref<const std::string&>().size() > max_length) {
    problems_.add(std::string(field) + " must be a string of 1.." + std::to_string(max_length) +
                  " characters, got " + v.dump().substr(0, 80) + ".");
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::string BodyReader::string(const char* field, std::size_t max_length) {
  if (!has(field)) {
    problems_.add(std::string(field) + " is required: a string of 1.." +
                  std::to_string(max_length) + " characters.");
    return {};
  }
  return optional_string(field, max_length).value_or("");
}

std::optional<std::int64_t> BodyReader::optional_integer(const char* field, std::int64_t min,
                                                         std::int64_t max) {
  if (!has(field)) return std::nullopt;
  const auto& v = body_[field];
  const bool integral = v.is_number_integer() || v.is_number_unsigned();
  if (integral) {
    const bool fits =
        v.is_number_unsigned() ? v.get<std::uint64_t>() <= std::uint64_t(INT64_MAX) : true;
    if (fits && v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max) {
      return v.get<std::int64_t>();
    }
  }
  problems_.add(std::string(field) + " must be an integer in " + std::to_string(min) + ".." +
                std::to_string(max) + ", got " + v.dump().substr(0, 80) + ".");
  return std::nullopt;
}

std::int64_t BodyReader::integer(const char* field, std::int64_t min, std::int64_t max) {
  if (!has(field)) {
    problems_.add(std::string(field) + " is required: an integer in " + std::to_string(min) + ".." +
                  std::to_string(max) + ".");
    return min;
  }
  return optional_integer(field, min, max).value_or(min);
}

std::optional<double> BodyReader::optional_number(const char* field, double min, double max) {
  if (!has(field)) return std::nullopt;
  const auto& v = body_[field];
  if (v.is_number() && v.get<double>() >= min && v.get<double>() <= max) return v.get<double>();
  problems_.add(std::string(field) + " must be a number in " + nlohmann::json(min).dump() + ".." +
                nlohmann::json(max).dump() + ", got " + v.dump().substr(0, 80) + ".");
  return std::nullopt;
}

double BodyReader::number(const char* field, double min, double max) {
  if (!has(field)) {
    problems_.add(std::string(field) + " is required: a number in " + nlohmann::json(min).dump() +
                  ".." + nlohmann::json(max).dump() + ".");
    return min;
  }
  return optional_number(field, min, max).value_or(min);
}

std::int64_t path_id(const Request& request, const std::string& name) {
  const std::string& text = request.param(name);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    throw HttpError(400, name + " must be a positive integer, got \"" + text.substr(0, 40) + "\".");
  }
  return id;
}

}  // namespace gauntlet::mocks
