#include "vcm/db/database.h"

#include <fmt/core.h>
#include <sqlite3.h>

#include <cctype>
#include <utility>

namespace vcm::db {
namespace {

// Process-wide SQLite settings, applied once before the first connection (sqlite3_config is refused once
// the library is initialised; then the defaults stay, which is only slower). Memory statistics take a global
// mutex on every allocation, and nothing here reads them.
void configureSqliteOnce()
{
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}

// The start of the text after the first statement, for an error message.
std::string excerpt(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0)
        text.remove_prefix(1);
    return std::string(text.substr(0, 60)) + (text.size() > 60 ? "..." : "");
}

} // namespace

Statement::Statement(sqlite3_stmt* statement, std::string sql) : m_statement(statement), m_sql(std::move(sql)) {}

Statement::Statement(Statement&& other) noexcept
    : m_statement(std::exchange(other.m_statement, nullptr)), m_sql(std::move(other.m_sql))
{
}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_statement = std::exchange(other.m_statement, nullptr);
        m_sql = std::move(other.m_sql);
    }
    return *this;
}

Statement::~Statement()
{
    sqlite3_finalize(m_statement);
}

void Statement::fail(const char* what) const
{
    sqlite3* db = sqlite3_db_handle(m_statement);
    throw DatabaseError(fmt::format("{}: {}: {} (in: {})", sqlite3_db_filename(db, "main"), what, sqlite3_errmsg(db),
                                    m_sql));
}

Statement& Statement::bind(int index, std::int64_t value)
{
    if (sqlite3_bind_int64(m_statement, index, value) != SQLITE_OK)
        fail("bind");
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    if (sqlite3_bind_double(m_statement, index, value) != SQLITE_OK)
        fail("bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    if (sqlite3_bind_text64(m_statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
        fail("bind");
    return *this;
}

Statement& Statement::bindUncopied(int index, std::string_view text)
{
    if (sqlite3_bind_text64(m_statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8) != SQLITE_OK)
        fail("bind");
    return *this;
}

Statement& Statement::bindNull(int index)
{
    if (sqlite3_bind_null(m_statement, index) != SQLITE_OK)
        fail("bind");
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail("query failed");
}

void Statement::run()
{
    while (step()) {
    }
    reset();
}

void Statement::runKeepingBindings()
{
    while (step()) {
    }
    sqlite3_reset(m_statement);
}

void Statement::reset()
{
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
}

int Statement::columnCount() const
{
    return sqlite3_column_count(m_statement);
}

std::string Statement::columnName(int column) const
{
    const char* name = sqlite3_column_name(m_statement, column);
    return name != nullptr ? name : "";
}

ColumnType Statement::columnType(int column) const
{
    switch (sqlite3_column_type(m_statement, column)) {
    case SQLITE_INTEGER:
        return ColumnType::Integer;
    case SQLITE_FLOAT:
        return ColumnType::Real;
    case SQLITE_TEXT:
        return ColumnType::Text;
    case SQLITE_BLOB:
        return ColumnType::Blob;
    default:
        return ColumnType::Null;
    }
}

std::int64_t Statement::columnInt(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

double Statement::columnReal(int column) const
{
    return sqlite3_column_double(m_statement, column);
}

std::string Statement::columnText(int column) const
{
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
    return text != nullptr ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column)))
                           : std::string();
}

std::optional<std::int64_t> Statement::columnOptionalInt(int column) const
{
    if (sqlite3_column_type(m_statement, column) == SQLITE_NULL)
        return std::nullopt;
    return columnInt(column);
}

namespace {

// A read-only connection still writes other files through ATTACH (a new database file) and VACUUM INTO (which
// attaches its target): `vcm query good.db "VACUUM INTO '/tmp/x.db'"` made a file (issue 20, defect 10). The
// authorizer refuses them for every statement a reader prepares. (Writes to the database itself, an assigning
// pragma among them, already fail on the read-only connection; pragmas as table-valued functions, which the
// GUI reads its schema with, stay allowed.)
int readerAuthorizer(void*, int action, const char*, const char*, const char*, const char*)
{
    return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

} // namespace

Database::Database(const std::filesystem::path& file, Mode mode) : m_file(file)
{
    configureSqliteOnce();
    // NOMUTEX: SQLite's default (serialized) mode locks a mutex around every call on the connection (18% of
    // an ingest's time in a profile, on millions of small INSERTs); the class comment says who guarantees
    // exclusive use instead.
    const int flags = SQLITE_OPEN_NOMUTEX | (mode == Mode::ReadOnly    ? SQLITE_OPEN_READONLY
                                             : mode == Mode::ReadWrite ? SQLITE_OPEN_READWRITE
                                                                       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(file.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw DatabaseError(fmt::format("{}: cannot open the database: {}", file.string(), message));
    }
    sqlite3_extended_result_codes(m_db, 1);
    if (mode == Mode::ReadOnly) {
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
        sqlite3_set_authorizer(m_db, readerAuthorizer, nullptr);
    }
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_file(std::move(other.m_file))
{
}

Database& Database::operator=(Database&& other) noexcept
{
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
        m_file = std::move(other.m_file);
    }
    return *this;
}

Database::~Database()
{
    close();
}

void Database::close()
{
    if (m_db != nullptr) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }
}

void Database::exec(std::string_view sql)
{
    char* error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : sqlite3_errmsg(m_db);
        sqlite3_free(error);
        throw DatabaseError(fmt::format("{}: {} (in: {})", m_file.string(), message, text.substr(0, 200)));
    }
}

Statement Database::prepare(std::string_view sql)
{
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement,
                           &tail) != SQLITE_OK)
        throw DatabaseError(fmt::format("{}: {} (in: {})", m_file.string(), sqlite3_errmsg(m_db), sql));
    if (statement == nullptr)
        throw DatabaseError(fmt::format("{}: no SQL statement in: {}", m_file.string(), sql));
    Statement compiled(statement, std::string(sql));
    // Whatever follows must compile to nothing (blanks, comments, empty statements). Compiling it has no
    // effect on the database; text that fails to compile is a second statement too.
    const char* end = sql.data() + sql.size();
    for (const char* rest = tail; rest != nullptr && rest < end;) {
        sqlite3_stmt* second = nullptr;
        const char* after = nullptr;
        const int rc = sqlite3_prepare_v2(m_db, rest, static_cast<int>(end - rest), &second, &after);
        sqlite3_finalize(second);
        if (rc != SQLITE_OK || second != nullptr)
            throw DatabaseError(fmt::format(
                "{}: more than one SQL statement; only one can run (the second begins: {}) (in: {})", m_file.string(),
                excerpt(std::string_view(rest, static_cast<std::size_t>(end - rest))), sql));
        if (after == nullptr || after <= rest)
            break;
        rest = after;
    }
    return compiled;
}

std::int64_t Database::scalar(std::string_view sql)
{
    Statement statement = prepare(sql);
    return statement.step() ? statement.columnInt(0) : 0;
}

std::int64_t Database::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int Database::userVersion()
{
    return static_cast<int>(scalar("PRAGMA user_version"));
}

void Database::setUserVersion(int version)
{
    exec(fmt::format("PRAGMA user_version = {}", version));
}

Transaction::Transaction(Database& db) : m_db(db)
{
    m_db.exec("BEGIN");
}

Transaction::~Transaction()
{
    if (m_open) {
        try {
            m_db.exec("ROLLBACK");
        } catch (const DatabaseError&) {
            // The database is being abandoned; nothing more can be done here.
        }
    }
}

void Transaction::commit()
{
    m_db.exec("COMMIT");
    m_open = false;
}

} // namespace vcm::db
