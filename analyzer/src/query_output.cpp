#include "vcm/analyzer/query_output.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>

namespace vcm::analyzer {
namespace {

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string cellText(const db::Statement& row, int column)
{
    switch (row.columnType(column)) {
    case db::ColumnType::Null:
        return "";
    case db::ColumnType::Integer:
        return std::to_string(row.columnInt(column));
    case db::ColumnType::Real:
        return fmt::format("{}", row.columnReal(column));
    default:
        return row.columnText(column);
    }
}

} // namespace

std::uint64_t printQuery(db::Database& db, const std::string& sql, QueryFormat format, std::ostream& out)
{
    db::Statement row = db.prepare(sql);
    const int columns = row.columnCount();
    std::uint64_t rows = 0;
    if (format == QueryFormat::Csv) {
        for (int c = 0; c < columns; ++c)
            out << (c ? "," : "") << csvField(row.columnName(c));
        out << '\n';
        while (row.step()) {
            for (int c = 0; c < columns; ++c)
                out << (c ? "," : "") << csvField(cellText(row, c));
            out << '\n';
            ++rows;
        }
    } else if (format == QueryFormat::Json) {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        while (row.step()) {
            nlohmann::ordered_json object = nlohmann::ordered_json::object();
            for (int c = 0; c < columns; ++c) {
                const std::string name = row.columnName(c);
                switch (row.columnType(c)) {
                case db::ColumnType::Null:
                    object[name] = nullptr;
                    break;
                case db::ColumnType::Integer:
                    object[name] = row.columnInt(c);
                    break;
                case db::ColumnType::Real:
                    object[name] = row.columnReal(c);
                    break;
                default:
                    object[name] = row.columnText(c);
                }
            }
            array.push_back(std::move(object));
            ++rows;
        }
        out << array.dump(2) << '\n';
    } else {
        std::vector<std::vector<std::string>> cells(1);
        for (int c = 0; c < columns; ++c)
            cells[0].push_back(row.columnName(c));
        while (row.step()) {
            cells.emplace_back();
            for (int c = 0; c < columns; ++c)
                cells.back().push_back(cellText(row, c));
            ++rows;
        }
        std::vector<std::size_t> width(static_cast<std::size_t>(columns), 0);
        for (const auto& line : cells)
            for (std::size_t c = 0; c < line.size(); ++c)
                width[c] = std::max(width[c], line[c].size());
        for (std::size_t r = 0; r < cells.size(); ++r) {
            for (std::size_t c = 0; c < cells[r].size(); ++c)
                out << (c ? "  " : "") << fmt::format("{:<{}}", cells[r][c], c + 1 < cells[r].size() ? width[c] : 0);
            out << '\n';
            if (r == 0) {
                for (std::size_t c = 0; c < width.size(); ++c)
                    out << (c ? "  " : "") << std::string(width[c], '-');
                out << '\n';
            }
        }
    }
    return rows;
}

} // namespace vcm::analyzer
