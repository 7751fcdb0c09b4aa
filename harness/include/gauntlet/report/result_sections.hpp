#pragma once
// The optional sections of a result document that a RunResult does not model ("monitor",
// "timeline", "breaking_point", written by other parts of the suite): found at the top level of
// the document or under "extra", and read tolerantly by the reports (a missing or malformed
// field shows as "-", never as an error).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace gauntlet {

// The section `key`, or nullptr when the document has none (or it is null).
const nlohmann::json* result_section(const nlohmann::json& doc, std::string_view key);

// The number at doc[key] with `decimals` decimals, "-" when absent or not a number.
std::string section_number(const nlohmann::json& doc, std::string_view key, int decimals = 1);

// The string at doc[key]; another value as its JSON text; "" when absent.
std::string section_text(const nlohmann::json& doc, std::string_view key);

}  // namespace gauntlet
