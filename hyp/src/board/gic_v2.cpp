// The GICv2 distributor (Arm IHI 0048B chapter 4.3) and the interrupt state it holds: lines, their levels and
// latches, and which pending interrupt a CPU interface would be handed. QEMU's hw/intc/arm_gic.c
// (gic_dist_readb/writeb, gic_update) is the reference for the choices the architecture leaves open.
#include "vcm/hyp/board/gic_v2.h"

#include <fmt/core.h>

#include <stdexcept>

namespace vcm::hyp::board {
namespace {

constexpr std::uint32_t kSgis = 16;
constexpr std::uint32_t kWords = Gicv2::kLines / 32;
// GICD_IIDR of an Arm implementation (JEP106 0x43B), as QEMU reports for its GICv2 model.
constexpr std::uint32_t kDistributorIidr = 0x0200'043b;
// The peripheral and component ID registers at 0xfd0..0xffc (PIDR4-7, PIDR0-3, CIDR0-3): QEMU's gic_id_gicv2,
// PIDR2.ArchRev = 2.
constexpr std::array<std::uint8_t, 12> kIdentification{0x04, 0x00, 0x00, 0x00, 0x90, 0xb4,
                                                       0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

bool inRange(std::uint64_t offset, std::uint64_t base, std::uint64_t bytes)
{
    return offset >= base && offset - base < bytes;
}

} // namespace

Gicv2::Gicv2(std::uint32_t cpus)
    : m_cpus(cpus), m_private(cpus), m_sgiSources(cpus), m_shared(kLines - 32), m_cpuInterfaces(cpus)
{
    if (cpus == 0 || cpus > kMaxCpus)
        throw std::invalid_argument(fmt::format("a GICv2 serves 1 to {} CPUs, not {}", kMaxCpus, cpus));
    for (auto& lines : m_private) {
        // SGIs are edge-triggered and permanently enabled (ISENABLER0[15:0] RAO/WI, as in QEMU's model);
        // PPIs start level-sensitive, as the timers' lines are.
        for (std::uint32_t i = 0; i < kSgis; ++i) {
            lines[i].edge = true;
            lines[i].enabled = true;
        }
    }
}

bool Gicv2::pending(std::uint32_t cpu, std::uint32_t intid) const
{
    if (intid < kSgis)
        return m_sgiSources[cpu][intid] != 0;
    const Line& l = line(cpu, intid);
    return l.latch || (!l.edge && l.level);
}

void Gicv2::setPrivateLevel(std::uint32_t cpu, std::uint32_t intid, bool level)
{
    if (cpu >= m_cpus || intid < kSgis || intid >= 32)
        return;
    Line& l = line(cpu, intid);
    if (l.edge && level && !l.level)
        l.latch = true; // a rising edge
    l.level = level;
}

void Gicv2::setSharedLevel(std::uint32_t intid, bool level)
{
    if (intid < 32 || intid >= kLines)
        return;
    Line& l = m_shared[intid - 32];
    if (l.edge && level && !l.level)
        l.latch = true;
    l.level = level;
}

std::optional<std::uint32_t> Gicv2::highestPending(std::uint32_t cpu) const
{
    // IHI 0048B 3.2.2: the highest-priority pending interrupt, the lowest ID among equal priorities; an
    // active interrupt is not forwarded again until it is deactivated.
    std::optional<std::uint32_t> best;
    std::uint32_t bestPriority = kIdle;
    for (std::uint32_t intid = 0; intid < kLines; ++intid) {
        const Line& l = line(cpu, intid);
        if (!l.enabled || l.active || l.priority >= bestPriority)
            continue;
        if (intid >= 32 && (l.targets & (1u << cpu)) == 0)
            continue;
        if ((m_ctlr & (l.group1 ? 2u : 1u)) == 0 || !pending(cpu, intid))
            continue;
        best = intid;
        bestPriority = l.priority;
    }
    return best;
}

std::uint32_t Gicv2::readBits(std::uint64_t base, std::uint32_t word, std::uint32_t cpu) const
{
    std::uint32_t value = 0;
    for (std::uint32_t bit = 0; bit < 32; ++bit) {
        const std::uint32_t intid = word * 32 + bit;
        const Line& l = line(cpu, intid);
        bool set = false;
        if (base == kIgroupr)
            set = l.group1;
        else if (base == kIsenabler || base == kIcenabler)
            set = l.enabled;
        else if (base == kIspendr || base == kIcpendr)
            set = pending(cpu, intid);
        else
            set = l.active;
        value |= set ? 1u << bit : 0u;
    }
    return value;
}

void Gicv2::writeBits(std::uint64_t base, std::uint32_t word, std::uint32_t value, std::uint32_t cpu)
{
    for (std::uint32_t bit = 0; bit < 32; ++bit) {
        const std::uint32_t intid = word * 32 + bit;
        const bool set = (value & (1u << bit)) != 0;
        Line& l = line(cpu, intid);
        if (base == kIgroupr) {
            l.group1 = set;
            continue;
        }
        if (!set)
            continue; // the set/clear pairs act on the bits written as one
        if (base == kIsenabler)
            l.enabled = true;
        else if (base == kIcenabler)
            l.enabled = intid < kSgis; // SGIs stay enabled
        else if (base == kIspendr && intid >= kSgis)
            l.latch = true; // SGIs are made pending through GICD_SPENDSGIR (4.3.7: WI here)
        else if (base == kIcpendr && intid >= kSgis)
            l.latch = false; // a level-sensitive line still high stays pending
        else if (base == kIsactiver)
            l.active = true;
        else if (base == kIcactiver)
            l.active = false;
    }
}

std::uint8_t Gicv2::readByte(std::uint64_t offset, std::uint32_t cpu) const
{
    if (inRange(offset, kIpriorityr, kLines))
        return line(cpu, static_cast<std::uint32_t>(offset - kIpriorityr)).priority;
    if (inRange(offset, kItargetsr, kLines)) {
        const auto intid = static_cast<std::uint32_t>(offset - kItargetsr);
        // ITARGETSR0-7 read as the accessing CPU's own bit (4.3.12): how Linux's gic_get_cpumask finds it.
        return intid < 32 ? static_cast<std::uint8_t>(1u << cpu) : line(cpu, intid).targets;
    }
    if (inRange(offset, kCpendsgir, kSgis))
        return m_sgiSources[cpu][offset - kCpendsgir];
    if (inRange(offset, kSpendsgir, kSgis))
        return m_sgiSources[cpu][offset - kSpendsgir];
    return 0;
}

void Gicv2::writeByte(std::uint64_t offset, std::uint8_t value, std::uint32_t cpu)
{
    if (inRange(offset, kIpriorityr, kLines)) {
        line(cpu, static_cast<std::uint32_t>(offset - kIpriorityr)).priority = value & kPriorityBits;
    } else if (inRange(offset, kItargetsr, kLines)) {
        const auto intid = static_cast<std::uint32_t>(offset - kItargetsr);
        if (intid >= 32)
            line(cpu, intid).targets = static_cast<std::uint8_t>(value & ((1u << m_cpus) - 1));
    } else if (inRange(offset, kCpendsgir, kSgis)) {
        m_sgiSources[cpu][offset - kCpendsgir] &= static_cast<std::uint8_t>(~value);
    } else if (inRange(offset, kSpendsgir, kSgis)) {
        m_sgiSources[cpu][offset - kSpendsgir] |= static_cast<std::uint8_t>(value & ((1u << m_cpus) - 1));
    }
}

void Gicv2::sendSoftwareInterrupt(std::uint32_t value, std::uint32_t sender)
{
    // GICD_SGIR (4.3.15): TargetListFilter 0 sends to CPUTargetList, 1 to every CPU but the sender, 2 to the
    // sender only; 3 is reserved.
    const std::uint32_t filter = (value >> 24) & 3;
    const std::uint32_t sgi = value & 0xf;
    std::uint32_t targets = 0;
    const std::uint32_t all = (1u << m_cpus) - 1;
    if (filter == 0)
        targets = (value >> 16) & all;
    else if (filter == 1)
        targets = all & ~(1u << sender);
    else if (filter == 2)
        targets = 1u << sender;
    for (std::uint32_t cpu = 0; cpu < m_cpus; ++cpu)
        if ((targets & (1u << cpu)) != 0)
            m_sgiSources[cpu][sgi] |= static_cast<std::uint8_t>(1u << sender);
}

std::uint64_t Gicv2::Distributor::read(std::uint64_t offset, unsigned bytes, const MmioAccess& access)
{
    Gicv2& gic = m_gic;
    const std::uint32_t cpu = access.cpu;
    if (cpu >= gic.m_cpus)
        return 0; // a CPU the GIC has no interface for
    if (inRange(offset, kIpriorityr, kLines) || inRange(offset, kItargetsr, kLines) ||
        inRange(offset, kCpendsgir, 2 * kSgis)) {
        std::uint64_t value = 0; // byte-accessible registers (4.1.4): any width, byte by byte
        for (unsigned i = 0; i < bytes; ++i)
            value |= std::uint64_t{gic.readByte(offset + i, cpu)} << (8 * i);
        return value;
    }
    if (bytes != 4)
        return 0; // the other registers are word-accessible only
    if (offset == kCtlr)
        return gic.m_ctlr;
    if (offset == kTyper)
        return (kWords - 1) | ((gic.m_cpus - 1) << 5); // ITLinesNumber, CPUNumber; no Security Extensions
    if (offset == kIidr)
        return kDistributorIidr;
    for (std::uint64_t base : {kIgroupr, kIsenabler, kIcenabler, kIspendr, kIcpendr, kIsactiver, kIcactiver})
        if (inRange(offset, base, kWords * 4))
            return gic.readBits(base, static_cast<std::uint32_t>((offset - base) / 4), cpu);
    if (inRange(offset, kIcfgr, kLines / 4)) {
        const auto first = static_cast<std::uint32_t>((offset - kIcfgr) / 4 * 16);
        std::uint32_t value = 0;
        for (std::uint32_t i = 0; i < 16; ++i)
            value |= gic.line(cpu, first + i).edge ? 2u << (2 * i) : 0u;
        return value;
    }
    if (inRange(offset, 0xfd0, 0x30))
        return kIdentification[(offset - 0xfd0) / 4];
    return 0; // GICD_SGIR is write-only; reserved offsets read as zero
}

void Gicv2::Distributor::write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access)
{
    Gicv2& gic = m_gic;
    const std::uint32_t cpu = access.cpu;
    if (cpu >= gic.m_cpus)
        return;
    if (inRange(offset, kIpriorityr, kLines) || inRange(offset, kItargetsr, kLines) ||
        inRange(offset, kCpendsgir, 2 * kSgis)) {
        for (unsigned i = 0; i < bytes; ++i)
            gic.writeByte(offset + i, static_cast<std::uint8_t>(value >> (8 * i)), cpu);
        return;
    }
    if (bytes != 4)
        return;
    const auto word = static_cast<std::uint32_t>(value);
    if (offset == kCtlr) {
        gic.m_ctlr = word & 3; // EnableGrp0, EnableGrp1
        return;
    }
    if (offset == kSgir) {
        gic.sendSoftwareInterrupt(word, cpu);
        return;
    }
    for (std::uint64_t base : {kIgroupr, kIsenabler, kIcenabler, kIspendr, kIcpendr, kIsactiver, kIcactiver})
        if (inRange(offset, base, kWords * 4)) {
            gic.writeBits(base, static_cast<std::uint32_t>((offset - base) / 4), word, cpu);
            return;
        }
    if (inRange(offset, kIcfgr, kLines / 4)) {
        const auto first = static_cast<std::uint32_t>((offset - kIcfgr) / 4 * 16);
        for (std::uint32_t i = 0; i < 16; ++i)
            if (first + i >= kSgis) // SGIs are always edge-triggered
                gic.line(cpu, first + i).edge = (word & (2u << (2 * i))) != 0;
    }
}

} // namespace vcm::hyp::board
