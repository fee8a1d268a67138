// The interrupt inputs of a board's CPUs. A vCPU drives the lines wired to it (its generic timers' PPIs) and
// asks between slices whether its IRQ signal is asserted; devices drive their shared lines. How the
// controller prioritises, routes and acknowledges is its own business (Gicv2).
#pragma once

#include <cstdint>

namespace vcm::hyp::board {

class InterruptController {
public:
    virtual ~InterruptController() = default;
    // The level of interrupt `intid` private to `cpu` (a PPI, INTID 16-31): the generic timers' outputs.
    virtual void setPrivateLevel(std::uint32_t cpu, std::uint32_t intid, bool level) = 0;
    // The level of shared peripheral interrupt `intid` (INTID 32 and up): a device's line.
    virtual void setSharedLevel(std::uint32_t intid, bool level) = 0;
    // Whether `cpu`'s IRQ signal is asserted: the CPU interface has an interrupt of sufficient priority for
    // it. PSTATE.I decides whether the CPU takes it; WFI wakes on it either way (Arm ARM D1.16.2).
    virtual bool irqSignalled(std::uint32_t cpu) const = 0;
};

} // namespace vcm::hyp::board
