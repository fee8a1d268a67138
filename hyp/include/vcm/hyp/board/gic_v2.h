// Arm Generic Interrupt Controller v2 (Arm IHI 0048B), the virt board's interrupt controller at 0x08000000
// (distributor) and 0x08010000 (CPU interface), as QEMU's hw/intc/arm_gic.c presents it to a non-secure
// guest: no Security Extensions, so group 0 and group 1 are both signalled as IRQ (FIQ is not modelled),
// 288 interrupt lines (16 SGIs, 16 PPIs, 256 SPIs), 32 priority levels (the top five bits of each priority
// byte). Every access to either window traps to EL2, as under a hypervisor that emulates the GIC in software
// (KVM's userspace irqchip, Xen's vgic without the virtual CPU interface).
//
// What is modelled: enable, pending (an edge latch, and the line's level for level-sensitive interrupts),
// active, priority, targets (SPIs) and configuration per interrupt, banked per CPU for SGIs and PPIs; SGIs
// pending per source CPU (GICD_SGIR with its three target filters, CPENDSGIR/SPENDSGIR); acknowledge (IAR),
// priority drop and deactivation (EOIR, and DIR when GICC_CTLR.EOImode is 1); the running priority from the
// active interrupts with preemption by group priority (BPR); PMR masking; RPR and HPPIR.
// Not modelled: the virtualisation extensions (GICH/GICV), the aliased group-1 registers (ABPR aside, which
// reads back), GICC_APRn beyond reading zero, and FIQ.
#pragma once

#include "vcm/hyp/board/interrupt_controller.h"
#include "vcm/hyp/board/mmio_device.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace vcm::hyp::board {

class Gicv2 final : public InterruptController {
public:
    static constexpr std::uint32_t kMaxCpus = 8;     // GICv2's CPU interfaces (ITARGETSR is one byte)
    static constexpr std::uint32_t kLines = 288;     // QEMU's virt: 32 private + 256 shared
    static constexpr std::uint32_t kSpurious = 1023; // GICC_IAR when nothing is pending with enough priority
    static constexpr std::uint32_t kIdle = 0x100;    // running priority with nothing active (RPR reads 0xff)
    static constexpr std::uint8_t kPriorityBits = 0xf8;

    // Distributor offsets (IHI 0048B table 4-1).
    static constexpr std::uint64_t kCtlr = 0x000, kTyper = 0x004, kIidr = 0x008, kIgroupr = 0x080,
                                   kIsenabler = 0x100, kIcenabler = 0x180, kIspendr = 0x200, kIcpendr = 0x280,
                                   kIsactiver = 0x300, kIcactiver = 0x380, kIpriorityr = 0x400,
                                   kItargetsr = 0x800, kIcfgr = 0xc00, kSgir = 0xf00, kCpendsgir = 0xf10,
                                   kSpendsgir = 0xf20;
    // CPU interface offsets (IHI 0048B table 4-2).
    static constexpr std::uint64_t kCpuCtlr = 0x00, kPmr = 0x04, kBpr = 0x08, kIar = 0x0c, kEoir = 0x10,
                                   kRpr = 0x14, kHppir = 0x18, kAbpr = 0x1c, kAiar = 0x20, kAeoir = 0x24,
                                   kAhppir = 0x28, kApr = 0xd0, kNsapr = 0xe0, kCpuIidr = 0xfc, kDir = 0x1000;

    explicit Gicv2(std::uint32_t cpus);

    MmioDevice& distributor() { return m_distributor; }
    MmioDevice& cpuInterface() { return m_cpuInterface; }

    void setPrivateLevel(std::uint32_t cpu, std::uint32_t intid, bool level) override;
    void setSharedLevel(std::uint32_t intid, bool level) override;
    bool irqSignalled(std::uint32_t cpu) const override;

    // The highest-priority pending interrupt `cpu` could be handed (enabled, not active, its group enabled
    // in the distributor), whatever PMR and the running priority say: what GICC_HPPIR reports.
    std::optional<std::uint32_t> highestPending(std::uint32_t cpu) const;
    std::uint32_t cpus() const { return m_cpus; }

private:
    struct Line {
        bool enabled = false;
        bool latch = false;  // pending by an edge, a write to ISPENDR or SPENDSGIR
        bool level = false;  // the input's level
        bool active = false;
        bool edge = false;   // GICD_ICFGR: edge-triggered (SGIs always are)
        bool group1 = false;
        std::uint8_t priority = 0;
        std::uint8_t targets = 0; // SPIs only
    };
    struct ActiveInterrupt {
        std::uint32_t intid = 0;
        std::uint8_t priority = 0;
    };
    struct CpuInterface {
        std::uint32_t ctlr = 0;
        std::uint32_t pmr = 0;
        std::uint32_t bpr = 2;  // the minimum with five priority bits
        std::uint32_t abpr = 3;
        std::vector<ActiveInterrupt> activePriorities; // acknowledged and not yet dropped, in order
    };

    class Distributor final : public MmioDevice {
    public:
        explicit Distributor(Gicv2& gic) : m_gic(gic) {}
        std::string name() const override { return "gic-distributor"; }
        std::uint64_t read(std::uint64_t offset, unsigned bytes, const MmioAccess& access) override;
        void write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access) override;

    private:
        Gicv2& m_gic;
    };
    class CpuInterfaceWindow final : public MmioDevice {
    public:
        explicit CpuInterfaceWindow(Gicv2& gic) : m_gic(gic) {}
        std::string name() const override { return "gic-cpu-interface"; }
        std::uint64_t read(std::uint64_t offset, unsigned bytes, const MmioAccess& access) override;
        void write(std::uint64_t offset, unsigned bytes, std::uint64_t value, const MmioAccess& access) override;

    private:
        Gicv2& m_gic;
    };

    Line& line(std::uint32_t cpu, std::uint32_t intid) { return intid < 32 ? m_private[cpu][intid] : m_shared[intid - 32]; }
    const Line& line(std::uint32_t cpu, std::uint32_t intid) const
    {
        return intid < 32 ? m_private[cpu][intid] : m_shared[intid - 32];
    }
    bool pending(std::uint32_t cpu, std::uint32_t intid) const;
    // Distributor registers of one bit, two bits and eight bits per interrupt.
    std::uint32_t readBits(std::uint64_t base, std::uint32_t word, std::uint32_t cpu) const;
    void writeBits(std::uint64_t base, std::uint32_t word, std::uint32_t value, std::uint32_t cpu);
    std::uint8_t readByte(std::uint64_t offset, std::uint32_t cpu) const;
    void writeByte(std::uint64_t offset, std::uint8_t value, std::uint32_t cpu);
    void sendSoftwareInterrupt(std::uint32_t value, std::uint32_t sender);
    // CPU interface.
    std::uint32_t runningPriority(std::uint32_t cpu) const;
    std::uint32_t groupPriority(std::uint32_t cpu, std::uint8_t priority) const;
    bool groupEnabledAtCpu(std::uint32_t cpu, const Line& l) const;
    std::uint32_t acknowledge(std::uint32_t cpu);
    void endOfInterrupt(std::uint32_t cpu, std::uint32_t value);
    void deactivate(std::uint32_t cpu, std::uint32_t value);

    std::uint32_t m_cpus;
    std::uint32_t m_ctlr = 0;
    std::vector<std::array<Line, 32>> m_private;
    std::vector<std::array<std::uint8_t, 16>> m_sgiSources; // per target CPU and SGI: the sources pending
    std::vector<Line> m_shared;
    std::vector<CpuInterface> m_cpuInterfaces;
    Distributor m_distributor{*this};
    CpuInterfaceWindow m_cpuInterface{*this};
};

} // namespace vcm::hyp::board
