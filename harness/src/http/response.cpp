#include "gauntlet/http/response.hpp"

#include "gauntlet/http/redact.hpp"

namespace gauntlet {

std::optional<std::string_view> Response::header(std::string_view name) const noexcept {
  for (const Header& h : headers) {
    if (header_name_equals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::optional<nlohmann::json> Response::json() const {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

void Response::mark_body_mismatch(std::string_view why) {
  error = ErrorClass::kBodyMismatch;
  error_message = redact_text(why);
}

}  // namespace gauntlet
