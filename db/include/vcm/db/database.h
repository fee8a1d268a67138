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
    // Binds text without copying it: it must stay unchanged and alive until the parameter is bound again or
    // the statement is reset or finalized (a bulk writer's rows, static labels).
    Statement& bindUncopied(int index, std::string_view text);
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
    // As run(), but leaves the bindings in place: for a writer that binds every parameter before every run,
    // clearing them is wasted work.
    void runKeepingBindings();
    // Rewinds the statement and clears its bindings (to NULL).
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

// One SQLite connection. It is opened without SQLite's per-connection mutex (SQLITE_OPEN_NOMUTEX): a
// connection may move between threads, but two threads must never use it (or its statements) at once; the
// code that hands a connection to another thread provides the happens-before (a queue, a join).
class Database {
public:
    enum class Mode { ReadOnly, ReadWrite, Create };

    Database(const std::filesystem::path& file, Mode mode);
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs every statement of the text (schema scripts, pragmas).
    void exec(std::string_view sql);
    // Compiles exactly one statement. Text after it other than blanks and comments (a second statement) is an
    // error, not silently ignored: whoever passed it expected it to run.
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
