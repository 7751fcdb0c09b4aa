#include "gauntlet/report/result_sections.hpp"

#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {

using Json = nlohmann::json;

const Json* result_section(const Json& doc, std::string_view key) {
  if (!doc.is_object()) return nullptr;
  if (const auto it = doc.find(key); it != doc.end() && !it->is_null()) return &*it;
  if (const auto extra = doc.find("extra"); extra != doc.end() && extra->is_object()) {
    if (const auto it = extra->find(key); it != extra->end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string section_number(const Json& doc, std::string_view key, int decimals) {
  if (!doc.is_object()) return "-";
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return "-";
  return format_detail::trimmed_fixed(it->get<double>(), decimals);
}

std::string section_text(const Json& doc, std::string_view key) {
  if (!doc.is_object()) return "";
  const auto it = doc.find(key);
  if (it == doc.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace gauntlet
