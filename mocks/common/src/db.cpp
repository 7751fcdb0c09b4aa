#include "gauntlet/mocks/db.hpp"

namespace gauntlet::mocks {

PooledConnection acquire_or_503(ConnectionPool& pool) {
  try {
    return pool.acquire();
  } catch (const PoolTimeout& e) {
    throw HttpError(503, e.what());
  } catch (const pqxx::broken_connection& e) {
    throw HttpError(503, std::string("The database is unreachable: ") + e.what());
  }
}

std::string with_statement_timeout(const std::string& url, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return url;
  const std::string ms = std::to_string(timeout.count());
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    // A URI: one more query parameter, percent-encoded (space %20, '=' %3D).
    return url + (url.find('?') == std::string::npos ? "?" : "&") +
           "options=-c%20statement_timeout%3D" + ms;
  }
  return url + (url.empty() ? "" : " ") + "options='-c statement_timeout=" + ms + "'";
}

}  // namespace gauntlet::mocks
