#include "gauntlet/mocks/cube_literal.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace gauntlet::mocks {

std::string to_cube_literal(const Embedding& v) {
  std::string out = "(";
  char buf[32];
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.push_back(',');
    std::snprintf(buf, sizeof buf, "%.17g", v[i]);
    out += buf;
  }
  out.push_back(')');
  return out;
}

Embedding parse_cube_literal(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.find(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    throw std::invalid_argument("\"" + std::string(text) + "\" is not a cube literal");
  }
  const std::string inner(text.substr(open + 1, close - open - 1));
  Embedding v;
  const char* p = inner.c_str();
  while (*p != '\0') {
    char* end = nullptr;
    const double x = std::strtod(p, &end);
    if (end == p)
      throw std::invalid_argument("\"" + std::string(text) + "\" is not a cube literal");
    v.push_back(x);
    p = end;
    while (*p == ',' || *p == ' ') ++p;
  }
  return v;
}

}  // namespace gauntlet::mocks
