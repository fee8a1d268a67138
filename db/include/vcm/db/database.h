// A SQLite database and its prepared statements: the thin RAII layer every reader and writer of a vcm
// trace database goes through. SQLite types stay behind it; errors are DatabaseError naming the file and,
// for a statement, the SQL.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace vcm::db {

class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ColumnType { Integer, Real, Text, Blob, Null };

class Statement {
public:
    Statement() = default;
    Statement(sqlite3_stmt* statement, std::string sql);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are numbered from 1, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::uint64_t value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::int32_t value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::uint32_t value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bindNull(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }

    // Steps once: true when a row is available. Throws on error.
    bool step();
    // Runs a statement that returns no rows, then resets it for the next bindings.
    void run();
    void reset();

    int columnCount() const;
    std::string columnName(int column) const;
    ColumnType columnType(int column) const;
    std::int64_t columnInt(int column) const;
    double columnReal(int column) const;
    std::string columnText(int column) const;
    std::optional<std::int64_t> columnOptionalInt(int column) const;

    const std::string& sql() const { return m_sql; }

private:
    [[noreturn]] void fail(const char* what) const;
    sqlite3_stmt* m_statement = nullptr;
    std::string m_sql;
};

class Database {
public:
    enum class Mode { ReadOnly, ReadWrite, Create };

    Database(const std::filesystem::path& file, Mode mode);
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    // A query with one integer result (0 when it returns no row or NULL).
    std::int64_t scalar(std::string_view sql);
    std::int64_t lastInsertRowId() const;

    int userVersion();
    void setUserVersion(int version);

    const std::filesystem::path& file() const { return m_file; }
    void close();

private:
    sqlite3* m_db = nullptr;
    std::filesystem::path m_file;
};

// RAII transaction: committed by commit(), rolled back if destroyed before.
class Transaction {
public:
    explicit Transaction(Database& db);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

private:
    Database& m_db;
    bool m_open = true;
};

} // namespace vcm::db
