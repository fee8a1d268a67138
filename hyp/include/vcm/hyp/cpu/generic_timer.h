// The EL1 physical and virtual timers of one vCPU (Arm ARM D11.2, "The AArch64 view of the Generic Timer"):
// CTL, CVAL and TVAL hold what the guest wrote, ISTATUS is computed from the counter. The counter itself is
// the model's virtual time (Vcpu::counter()), never the host's clock, so whatever a guest measures with it
// is the same run after run. CNTVOFF_EL2 is 0: the virtual and physical counters are equal.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace vcm::hyp::cpu {

enum class TimerKind : std::uint8_t { Physical = 0, Virtual = 1 };

class GenericTimer {
public:
    static constexpr std::uint64_t kEnable = 1u << 0;  // CNTx_CTL.ENABLE
    static constexpr std::uint64_t kIMask = 1u << 1;   // CNTx_CTL.IMASK
    static constexpr std::uint64_t kIStatus = 1u << 2; // CNTx_CTL.ISTATUS (read-only)

    // CTL with ISTATUS set when the timer is enabled and the counter has reached CVAL (D11.2.4).
    std::uint64_t control(TimerKind kind, std::uint64_t counter) const;
    void setControl(TimerKind kind, std::uint64_t value); // ENABLE and IMASK are kept, the rest is RES0/RO
    std::uint64_t compareValue(TimerKind kind) const;
    void setCompareValue(TimerKind kind, std::uint64_t value);
    // TVAL is the signed 32-bit distance from the counter to CVAL; writing it sets CVAL = counter + sext(TVAL).
    std::uint64_t timerValue(TimerKind kind, std::uint64_t counter) const;
    void setTimerValue(TimerKind kind, std::uint64_t value, std::uint64_t counter);

    // Whether the timer's condition is met and its interrupt not masked: the interrupt it asserts (a PPI).
    bool interruptAsserted(TimerKind kind, std::uint64_t counter) const;
    // The earliest counter value at which an enabled, unmasked timer fires (what WFI waits for), if any.
    std::optional<std::uint64_t> nextDeadline() const;

private:
    struct Timer {
        std::uint64_t control = 0;
        std::uint64_t compare = 0;
    };
    std::array<Timer, 2> m_timers{};
    const Timer& of(TimerKind kind) const { return m_timers[static_cast<std::size_t>(kind)]; }
    Timer& of(TimerKind kind) { return m_timers[static_cast<std::size_t>(kind)]; }
};

} // namespace vcm::hyp::cpu
