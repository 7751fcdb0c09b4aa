#pragma once
// ASCII case folding for protocol tokens (header names, hosts, verdict names): A-Z become a-z and
// every other byte passes through unchanged, whatever the locale. std::tolower on a plain char is
// undefined for bytes above 127 and depends on the locale, so the harness folds case here only.
#include <string>
#include <string_view>

namespace gauntlet {

std::string ascii_lower(std::string_view text);

}  // namespace gauntlet
