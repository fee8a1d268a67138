// The EL1 physical and virtual timers: register semantics of Arm ARM D11.2.4 (CNTP_CTL_EL0, CNTV_CTL_EL0) and
// D11.2.5 (the TimerValue view).
#include "vcm/hyp/cpu/generic_timer.h"

#include <algorithm>

namespace vcm::hyp::cpu {

std::uint64_t GenericTimer::control(TimerKind kind, std::uint64_t counter) const
{
    const Timer& t = of(kind);
    const bool met = (t.control & kEnable) != 0 && counter >= t.compare;
    return (t.control & (kEnable | kIMask)) | (met ? kIStatus : 0);
}

void GenericTimer::setControl(TimerKind kind, std::uint64_t value)
{
    of(kind).control = value & (kEnable | kIMask);
}

std::uint64_t GenericTimer::compareValue(TimerKind kind) const
{
    return of(kind).compare;
}

void GenericTimer::setCompareValue(TimerKind kind, std::uint64_t value)
{
    of(kind).compare = value;
}

std::uint64_t GenericTimer::timerValue(TimerKind kind, std::uint64_t counter) const
{
    // The low 32 bits of CVAL - counter, read as a signed value (D11.2.5): negative once the timer has fired.
    const auto distance = static_cast<std::uint32_t>(of(kind).compare - counter);
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(distance)));
}

void GenericTimer::setTimerValue(TimerKind kind, std::uint64_t value, std::uint64_t counter)
{
    const auto signedValue = static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(value)));
    of(kind).compare = counter + static_cast<std::uint64_t>(signedValue);
}

bool GenericTimer::interruptAsserted(TimerKind kind, std::uint64_t counter) const
{
    const std::uint64_t ctl = control(kind, counter);
    return (ctl & kIStatus) != 0 && (ctl & kIMask) == 0;
}

std::optional<std::uint64_t> GenericTimer::nextDeadline() const
{
    std::optional<std::uint64_t> next;
    for (const Timer& t : m_timers)
        if ((t.control & kEnable) != 0 && (t.control & kIMask) == 0)
            next = next ? std::min(*next, t.compare) : t.compare;
    return next;
}

} // namespace vcm::hyp::cpu
