#include "vcm/analyzer/ctf_setway_traps.h"

#include "vcm/tracer/event_sink.h"

#include <fmt/core.h>

#include <string_view>

namespace vcm::analyzer {
namespace {

std::optional<std::size_t> fieldIndex(const CtfEventView& e, std::string_view name)
{
    for (std::size_t i = 0; i < e.fieldCount(); ++i)
        if (e.fieldName(i) == name)
            return i;
    return std::nullopt;
}

// An array field's elements; a missing or non-array field is a damaged batch.
std::vector<std::uint64_t> elements(const CtfEventView& e, std::string_view name)
{
    const auto at = fieldIndex(e, name);
    if (!at || e.fieldKind(*at) != CtfEventView::FieldKind::UnsignedArray)
        throw CtfReadError(fmt::format("event {}: field '{}' is missing or not an array of unsigned integers",
                                       e.name(), name));
    std::vector<std::uint64_t> values(e.arrayLengthAt(*at));
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = e.unsignedElementAt(*at, i);
    return values;
}

std::uint64_t integer(const CtfEventView& e, std::string_view name)
{
    const auto value = e.unsignedField(name);
    if (!value)
        throw CtfReadError(fmt::format("event {}: field '{}' is missing", e.name(), name));
    return *value;
}

std::vector<std::uint8_t> bytes(const std::vector<std::uint64_t>& values)
{
    return {values.begin(), values.end()};
}

} // namespace

std::optional<std::vector<tracer::SetWayTrap>> setWayTrapsOf(const CtfEventView& e)
{
    if (e.name() == "vcm:setway_traps") {
        const std::vector<std::uint64_t> times = elements(e, "trap_vtime_ns");
        const std::vector<std::uint64_t> ops = elements(e, "op");
        const std::vector<std::uint64_t> operands = elements(e, "operand");
        if (ops.size() != times.size() || operands.size() != times.size())
            throw CtfReadError(fmt::format("event {}: trap_vtime_ns, op and operand differ in length", e.name()));
        std::vector<tracer::SetWayTrap> traps;
        for (std::size_t i = 0; i < times.size(); ++i)
            traps.push_back({times[i], 0, static_cast<std::uint8_t>(ops[i]), operands[i]});
        return traps;
    }
    if (e.name() != "vcm:setway_trap_batch")
        return std::nullopt;
    const std::vector<std::uint8_t> codes = bytes(elements(e, "codes"));
    const std::vector<std::uint8_t> literals = bytes(elements(e, "literals"));
    tracer::SetWayTrapBatch batch;
    batch.coreMHz = static_cast<std::uint32_t>(integer(e, "core_mhz"));
    batch.count = static_cast<std::uint32_t>(integer(e, "count"));
    batch.firstCycles = integer(e, "first_cycles");
    batch.lastCycles = integer(e, "last_cycles");
    batch.firstOp = static_cast<std::uint8_t>(integer(e, "first_op"));
    batch.firstOperand = integer(e, "first_operand");
    batch.codes = codes;
    batch.literals = literals;
    try {
        return tracer::decodeSetWayTraps(batch);
    } catch (const tracer::SetWayTrapCodeError& error) {
        throw CtfReadError(fmt::format("event {}: {}", e.name(), error.what()));
    }
}

} // namespace vcm::analyzer
