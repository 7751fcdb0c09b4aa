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

}  // namespace gauntlet::mocks
