#pragma once

#include "core/exchange.h"
#include "schema/db.h"

#include <cstdint>

// The mapping between an Exchange and a row of `requests`, shared by Store and the writer.
namespace tt {

class ExchangeInserter {
public:
  explicit ExchangeInserter(db::Db& db);
  // Inserts one row and returns SQLite's result code (SQLITE_DONE on success); never throws.
  [[nodiscard]] int tryInsert(int64_t traceId, const Exchange& exchange) noexcept;

private:
  db::Stmt insert_;
  // The header lists as JSON, kept between rows so that their buffers are reused.
  std::string requestHeadersJson_;
  std::string responseHeadersJson_;
};

// SELECT list matching readExchange, to be followed by "FROM requests ...".
extern const char* const kExchangeColumns;
Exchange readExchange(const db::Stmt& row);

} // namespace tt
