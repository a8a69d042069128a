#pragma once

// The SQL files of this folder, compiled in (see CMakeLists.txt).
namespace tt::sql {
extern const char* const kSchema;       // schema.sql: a new database at the current version
extern const char* const kMigrations[]; // kMigrations[v - 2] takes version v-1 to v
extern const int kMigrationCount;
} // namespace tt::sql
