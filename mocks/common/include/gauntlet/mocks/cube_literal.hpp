#pragma once
// Embeddings to and from the text form of PostgreSQL's cube type, "(0.1, -0.2, 0.3)": a point
// cube, passed as a statement parameter and cast with $n::cube.
#include <string>
#include <string_view>

#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {

// "(v0,v1,...)" with 17 significant digits, so the round trip through PostgreSQL is exact.
std::string to_cube_literal(const Embedding& v);
// Parses a point cube's text ("(a, b)"; a box "(a, b),(c, d)" yields its lower-left corner).
// Throws std::invalid_argument quoting the text when it is not a cube.
Embedding parse_cube_literal(std::string_view text);

}  // namespace gauntlet::mocks
