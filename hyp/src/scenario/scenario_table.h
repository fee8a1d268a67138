// A TOML table of a scenario file whose keys are checked (scenario.cpp, board_plan.cpp): each read names the
// expected type, keys nobody read are errors, and every error names the file and the line.
#pragma once

#include "vcm/hyp/scenario/scenario.h"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <set>

namespace vcm::hyp::scenario {

inline std::string where(const std::filesystem::path& file, const toml::node& node)
{
    const auto& source = node.source();
    if (source.begin.line == 0)
        return fmt::format("{}", file.string());
    return fmt::format("{}:{}", file.string(), source.begin.line);
}

// A TOML table whose keys are checked: each read names the expected type, and keys nobody read are errors.
class Table {
public:
    Table(const std::filesystem::path& file, const toml::table& table, std::string path)
        : m_file(file), m_table(table), m_path(std::move(path))
    {
    }

    std::string key(const std::string& name) const { return m_path.empty() ? name : m_path + "." + name; }

    const toml::node* node(const std::string& name)
    {
        m_used.insert(name);
        return m_table.get(name);
    }

    std::uint64_t unsignedInteger(const std::string& name, std::uint64_t fallback)
    {
        const toml::node* n = node(name);
        if (n == nullptr)
            return fallback;
        // The type first: toml++'s value<int64_t>() converts a float, and one out of range (4091e96) is undefined
        // behaviour (found by fuzz_scenario).
        const auto value = n->is_integer() ? n->value<std::int64_t>() : std::nullopt;
        if (!value || *value < 0)
            throw ScenarioError(fmt::format("{}: {} must be a non-negative integer", where(m_file, *n), key(name)));
        return static_cast<std::uint64_t>(*value);
    }

    // The same within [min, max] (issue 20: values far outside any machine hung runs, exhausted memory or wrapped
    // silently when narrowed).
    std::uint64_t unsignedInteger(const std::string& name, std::uint64_t fallback, std::uint64_t min, std::uint64_t max)
    {
        const std::uint64_t value = unsignedInteger(name, fallback);
        if (const toml::node* n = m_table.get(name); n != nullptr && (value < min || value > max))
            throw ScenarioError(fmt::format("{}: {} = {}: must be {} to {}", where(m_file, *n), key(name), value, min,
                                            max));
        return value;
    }

    bool boolean(const std::string& name, bool fallback)
    {
        const toml::node* n = node(name);
        if (n == nullptr)
            return fallback;
        if (!n->is_boolean())
            throw ScenarioError(fmt::format("{}: {} must be true or false", where(m_file, *n), key(name)));
        return *n->value<bool>();
    }

    std::string string(const std::string& name, const std::string& fallback)
    {
        const toml::node* n = node(name);
        if (n == nullptr)
            return fallback;
        if (!n->is_string())
            throw ScenarioError(fmt::format("{}: {} must be a string", where(m_file, *n), key(name)));
        return *n->value<std::string>();
    }

    std::optional<Table> table(const std::string& name)
    {
        const toml::node* n = node(name);
        if (n == nullptr)
            return std::nullopt;
        if (!n->is_table())
            throw ScenarioError(fmt::format("{}: {} must be a table", where(m_file, *n), key(name)));
        return Table(m_file, *n->as_table(), key(name));
    }

    const toml::array* array(const std::string& name)
    {
        const toml::node* n = node(name);
        if (n == nullptr)
            return nullptr;
        if (!n->is_array())
            throw ScenarioError(fmt::format("{}: {} must be an array", where(m_file, *n), key(name)));
        return n->as_array();
    }

    // Throws for the first key no read asked for.
    void rejectUnknown() const
    {
        for (const auto& [k, v] : m_table)
            if (!m_used.contains(std::string(k.str())))
                throw ScenarioError(fmt::format("{}: unknown key {}", where(m_file, v), key(std::string(k.str()))));
    }

    const toml::table& raw() const { return m_table; }
    const std::filesystem::path& file() const { return m_file; }

private:
    const std::filesystem::path& m_file;
    const toml::table& m_table;
    std::string m_path;
    std::set<std::string> m_used;
};

// Reads [vm.board] of a [[vm]] into `plan` (board_plan.cpp).
void readBoard(Table& vm, VmPlan& plan);

} // namespace vcm::hyp::scenario
