#include "vcm/gui/column_format.h"

#include "vcm/gui/time_format.h"

#include <array>
#include <string_view>

namespace vcm::gui {
namespace {

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names)
{
    for (const std::string_view n : names)
        if (name == n)
            return true;
    return false;
}

QString named(const std::map<std::int64_t, QString>& names, std::int64_t id)
{
    const auto found = names.find(id);
    return found != names.end() ? QStringLiteral("%1 (%2)").arg(found->second).arg(id) : QString::number(id);
}

} // namespace

QString formatColumn(const RunFacts& facts, const std::string& name, const QString& stored)
{
    bool integer = false;
    const std::int64_t value = stored.toLongLong(&integer);
    if (!integer)
        return stored; // NULL, text, a real
    const std::string_view n = name;
    // Machine and guest addresses, set/way operands, register values, guest frame numbers.
    if (isOneOf(n, {"address", "operand", "page", "value", "old_value", "new_value", "resume_gfn", "base"}))
        return QStringLiteral("0x%1").arg(static_cast<quint64>(value), 0, 16);
    // Virtual times and durations, in ns in the database.
    if (isOneOf(n, {"ts", "dur", "end_ts", "latest_write_ts", "overwritten_write_ts", "ts_before", "ts_after",
                    "first_ts", "last_ts", "requested_ts"}) ||
        (n.size() > 3 && n.substr(n.size() - 3) == "_ns"))
        return formatTime(static_cast<double>(value));
    if (n == "vcpu_id")
        return named(facts.vcpuNames, value);
    if (n == "vm")
        return named(facts.vmNames, value);
    if (isOneOf(n, {"agent", "latest_writer", "overwritten_writer"}))
        return named(facts.agentNames, value);
    if (n == "flush")
        return named(facts.flushNames, value);
    return QString::number(value);
}

} // namespace vcm::gui
