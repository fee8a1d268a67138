// The GICv2 CPU interface (Arm IHI 0048B chapters 3.2 and 4.4): signalling, acknowledge, priority drop and
// deactivation, one interface per CPU, each CPU reaching its own at the same address.
#include "vcm/hyp/board/gic_v2.h"

#include <algorithm>

namespace vcm::hyp::board {
namespace {

constexpr std::uint32_t kEnableGroup0 = 1u << 0;
constexpr std::uint32_t kEnableGroup1 = 1u << 1;
constexpr std::uint32_t kEoiMode = 1u << 9; // EOIR drops priority only; DIR deactivates
// Writable GICC_CTLR bits without Security Extensions: EnableGrp0/1, AckCtl, FIQEn, CBPR, EOImode.
constexpr std::uint32_t kCtlrBits = 0x21f;
// GICC_IIDR of a GIC-400-like interface (ArchitectureVersion 2, JEP106 0x43B), as QEMU reports.
constexpr std::uint32_t kCpuInterfaceIidr = 0x0202'043b;

} // namespace

bool Gicv2::groupEnabledAtCpu(std::uint32_t cpu, const Line& l) const
{
    return (m_cpuInterfaces[cpu].ctlr & (l.group1 ? kEnableGroup1 : kEnableGroup0)) != 0;
}

std::uint32_t Gicv2::groupPriority(std::uint32_t cpu, std::uint8_t priority) const
{
    // 3.3.3: the binary point splits a priority into group priority (preemption) and subpriority; BPR = N
    // keeps bits [7:N+1].
    const std::uint32_t mask = (0xffu << (m_cpuInterfaces[cpu].bpr + 1)) & 0xff;
    return priority & mask;
}

std::uint32_t Gicv2::runningPriority(std::uint32_t cpu) const
{
    std::uint32_t running = kIdle;
    for (const ActiveInterrupt& a : m_cpuInterfaces[cpu].activePriorities)
        running = std::min<std::uint32_t>(running, a.priority);
    return running;
}

bool Gicv2::irqSignalled(std::uint32_t cpu) const
{
    // 3.2.1: the CPU interface signals the highest-priority pending interrupt when its group is enabled there,
    // its priority is above the mask (PMR) and its group priority above the running priority (preemption).
    if (cpu >= m_cpus)
        return false;
    const auto intid = highestPending(cpu);
    if (!intid)
        return false;
    const Line& l = line(cpu, *intid);
    return groupEnabledAtCpu(cpu, l) && l.priority < m_cpuInterfaces[cpu].pmr &&
           groupPriority(cpu, l.priority) < runningPriority(cpu);
}

std::uint32_t Gicv2::acknowledge(std::uint32_t cpu)
{
    if (!irqSignalled(cpu))
        return kSpurious;
    const std::uint32_t intid = *highestPending(cpu);
    Line& l = line(cpu, intid);
    std::uint32_t value = intid;
    if (intid < 16) {
        // An SGI is pending once per source; the lowest source is acknowledged first, and named in
        // GICC_IAR.CPUID (4.4.4).
        std::uint8_t& sources = m_sgiSources[cpu][intid];
        const auto source = static_cast<std::uint32_t>(__builtin_ctz(sources));
        sources = static_cast<std::uint8_t>(sources & ~(1u << source));
        value |= source << 10;
    } else {
        l.latch = false; // a level-sensitive line still high leaves it active and pending
    }
    l.active = true;
    m_cpuInterfaces[cpu].activePriorities.push_back(
        {intid, static_cast<std::uint8_t>(groupPriority(cpu, l.priority))});
    return value;
}

void Gicv2::endOfInterrupt(std::uint32_t cpu, std::uint32_t value)
{
    // 4.4.5: priority drop of the interrupt named (the last acknowledged in a well-behaved handler), and its
    // deactivation unless GICC_CTLR.EOImode splits that off to GICC_DIR.
    const std::uint32_t intid = value & 0x3ff;
    auto& active = m_cpuInterfaces[cpu].activePriorities;
    const auto it = std::find_if(active.rbegin(), active.rend(),
                                 [&](const ActiveInterrupt& a) { return a.intid == intid; });
    if (it == active.rend())
        return; // not acknowledged: UNPREDICTABLE, ignored as QEMU does
    active.erase(std::next(it).base());
    if ((m_cpuInterfaces[cpu].ctlr & kEoiMode) == 0)
        deactivate(cpu, value);
}

void Gicv2::deactivate(std::uint32_t cpu, std::uint32_t value)
{
    const std::uint32_t intid = value & 0x3ff;
    if (intid < kLines)
        line(cpu, intid).active = false;
}

std::uint64_t Gicv2::CpuInterfaceWindow::read(std::uint64_t offset, unsigned bytes, const MmioAccess& access)
{
    Gicv2& gic = m_gic;
    const std::uint32_t cpu = access.cpu;
    if (cpu >= gic.m_cpus || bytes != 4)
        return 0; // the CPU interface is word-accessible only (4.1.4)
    const CpuInterface& ci = gic.m_cpuInterfaces[cpu];
    switch (offset) {
    case kCpuCtlr:
        return ci.ctlr;
    case kPmr:
        return ci.pmr;
    case kBpr:
        return ci.bpr;
    case kAbpr:
        return ci.abpr;
    case kIar:
        return gic.acknowledge(cpu);
    case kRpr: {
        const std::uint32_t running = gic.runningPriority(cpu);
        return running == kIdle ? 0xff : running;
    }
    case kHppir: {
        const auto intid = gic.highestPending(cpu);
        if (!intid)
            return kSpurious;
        if (*intid < 16)
            return *intid | static_cast<std::uint32_t>(__builtin_ctz(gic.m_sgiSources[cpu][*intid])) << 10;
        return *intid;
    }
    case kAiar:
    case kAhppir:
        return kSpurious; // the group-1 aliases: nothing is acknowledged through them
    case kCpuIidr:
        return kCpuInterfaceIidr;
    default:
        return 0; // APRn, NSAPRn and reserved offsets
    }
}

void Gicv2::CpuInterfaceWindow::write(std::uint64_t offset, unsigned bytes, std::uint64_t value,
                                      const MmioAccess& access)
{
    Gicv2& gic = m_gic;
    const std::uint32_t cpu = access.cpu;
    if (cpu >= gic.m_cpus || bytes != 4)
        return;
    CpuInterface& ci = gic.m_cpuInterfaces[cpu];
    const auto word = static_cast<std::uint32_t>(value);
    switch (offset) {
    case kCpuCtlr:
        ci.ctlr = word & kCtlrBits;
        break;
    case kPmr:
        ci.pmr = word & kPriorityBits;
        break;
    case kBpr:
        ci.bpr = std::max<std::uint32_t>(word & 7, 2); // five priority bits: BPR is at least 2
        break;
    case kAbpr:
        ci.abpr = std::max<std::uint32_t>(word & 7, 3);
        break;
    case kEoir:
    case kAeoir:
        gic.endOfInterrupt(cpu, word);
        break;
    case kDir:
        gic.deactivate(cpu, word);
        break;
    default:
        break;
    }
}

} // namespace vcm::hyp::board
