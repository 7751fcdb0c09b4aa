#pragma once
// Ids that name a row in a uuid column are checked before they reach SQL: a malformed one would
// fail the statement (500) where the caller deserves a 400 or 404.
#include <string_view>

namespace gauntlet::mocks {

// Whether `text` is a UUID in its canonical 8-4-4-4-12 hex form (either case).
bool is_uuid(std::string_view text);

}  // namespace gauntlet::mocks
