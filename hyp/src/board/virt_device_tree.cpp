// The virt board's device tree, written with libfdt's sequential-write API in the layout of QEMU's
// hw/arm/virt.c (create_fdt, fdt_add_cpu_nodes, fdt_add_psci_node, fdt_add_timer_nodes, create_gic,
// create_uart), reduced to the devices vcm presents.
#include "vcm/hyp/board/virt_board.h"

#include <fmt/core.h>
#include <libfdt.h>

#include <stdexcept>

namespace vcm::hyp::board {
namespace {

constexpr std::uint32_t kClockPhandle = 0x8000;
constexpr std::uint32_t kGicPhandle = 0x8001;
// Interrupt specifiers of the GIC binding: type (0 SPI, 1 PPI), number, flags.
constexpr std::uint32_t kGicSpi = 0;
constexpr std::uint32_t kGicPpi = 1;
constexpr std::uint32_t kIrqLevelHigh = 4;

class FdtWriter {
public:
    explicit FdtWriter(std::size_t capacity) : m_blob(capacity)
    {
        check(fdt_create(m_blob.data(), static_cast<int>(m_blob.size())), "fdt_create");
        check(fdt_finish_reservemap(m_blob.data()), "fdt_finish_reservemap");
    }
    void begin(const std::string& name) { check(fdt_begin_node(m_blob.data(), name.c_str()), name.c_str()); }
    void end() { check(fdt_end_node(m_blob.data()), "fdt_end_node"); }
    void u32(const char* name, std::uint32_t value) { check(fdt_property_u32(m_blob.data(), name, value), name); }
    void u64(const char* name, std::uint64_t value) { check(fdt_property_u64(m_blob.data(), name, value), name); }
    void string(const char* name, const std::string& value) { bytes(name, value.c_str(), value.size() + 1); }
    void empty(const char* name) { bytes(name, nullptr, 0); }
    // Big-endian 32-bit cells; each 64-bit value becomes two cells (#address-cells = #size-cells = 2).
    void cells(const char* name, std::initializer_list<std::uint64_t> values, bool wide)
    {
        std::vector<fdt32_t> out;
        for (std::uint64_t v : values) {
            if (wide)
                out.push_back(cpu_to_fdt32(static_cast<std::uint32_t>(v >> 32)));
            out.push_back(cpu_to_fdt32(static_cast<std::uint32_t>(v)));
        }
        bytes(name, out.data(), out.size() * sizeof(fdt32_t));
    }
    // A string list: the strings one after another, each NUL-terminated.
    void strings(const char* name, std::initializer_list<const char*> values)
    {
        std::string joined;
        for (const char* v : values)
            joined.append(v).push_back('\0');
        bytes(name, joined.data(), joined.size());
    }
    std::vector<std::uint8_t> finish()
    {
        check(fdt_finish(m_blob.data()), "fdt_finish");
        // libfdt's header macros cast their argument to a fdt_header pointer and read it with fdt32_ld, byte by
        // byte: handed a void pointer (what libfdt's functions take), the cast claims no alignment it lacks
        // (clang's -Wcast-align flags the cast from a byte pointer).
        const void* blob = m_blob.data();
        m_blob.resize(fdt_totalsize(blob));
        return std::move(m_blob);
    }

private:
    void bytes(const char* name, const void* data, std::size_t length)
    {
        check(fdt_property(m_blob.data(), name, data, static_cast<int>(length)), name);
    }
    static void check(int status, const char* what)
    {
        if (status < 0)
            throw std::runtime_error(fmt::format("building the device tree: {}: {}", what, fdt_strerror(status)));
    }
    std::vector<std::uint8_t> m_blob;
};

} // namespace

std::vector<std::uint8_t> buildVirtDeviceTree(const VirtDeviceTreeConfig& config)
{
    if (config.cpus == 0 || config.cpus > 8)
        throw std::invalid_argument(fmt::format("the virt board's GICv2 serves 1 to 8 CPUs, not {}", config.cpus));
    FdtWriter fdt(64 * 1024);
    fdt.begin("");
    // The root compatible QEMU's virt machine gives (hw/arm/virt.c create_fdt); U-Boot and Linux match it.
    fdt.string("compatible", "linux,dummy-virt");
    fdt.string("model", "vcm virt board");
    fdt.u32("#address-cells", 2);
    fdt.u32("#size-cells", 2);
    fdt.u32("interrupt-parent", kGicPhandle);

    fdt.begin("psci");
    fdt.strings("compatible", {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"});
    fdt.string("method", "hvc");
    fdt.u32("cpu_suspend", 0xc4000001);
    fdt.u32("cpu_off", 0x84000002);
    fdt.u32("cpu_on", 0xc4000003);
    fdt.u32("migrate", 0xc4000005);
    fdt.end();

    fdt.begin(fmt::format("memory@{:x}", virt::kRamBase));
    fdt.string("device_type", "memory");
    fdt.cells("reg", {virt::kRamBase, config.ramBytes}, true);
    fdt.end();

    // Both flash banks in one node, as hw/arm/virt.c's create_flash describes them.
    fdt.begin(fmt::format("flash@{:x}", virt::kFlash0Base));
    fdt.string("compatible", "cfi-flash");
    fdt.cells("reg", {virt::kFlash0Base, virt::kFlashBankBytes, virt::kFlash1Base, virt::kFlashBankBytes}, true);
    fdt.u32("bank-width", CfiFlash::kBankWidth);
    fdt.end();

    fdt.begin("cpus");
    fdt.u32("#address-cells", 1);
    fdt.u32("#size-cells", 0);
    for (std::uint32_t cpu = 0; cpu < config.cpus; ++cpu) {
        fdt.begin(fmt::format("cpu@{}", cpu));
        fdt.string("device_type", "cpu");
        fdt.string("compatible", "arm,cortex-a72"); // the MIDR_EL1 Unicorn's engine reports
        fdt.u32("reg", cpu);                          // MPIDR_EL1 affinity (Vcpu::mpidr)
        fdt.string("enable-method", "psci");
        fdt.end();
    }
    fdt.end();

    // PPIs 13, 14, 11, 10: secure and non-secure physical, virtual, hypervisor timers; the CPU mask in
    // bits [15:8] of the flags names every CPU (GIC_FDT_IRQ_PPI_CPU_WIDTH).
    const std::uint32_t ppiFlags = (((1u << config.cpus) - 1) << 8) | kIrqLevelHigh;
    fdt.begin("timer");
    fdt.strings("compatible", {"arm,armv8-timer", "arm,armv7-timer"});
    fdt.cells("interrupts", {kGicPpi, 13, ppiFlags, kGicPpi, 14, ppiFlags, kGicPpi, 11, ppiFlags, kGicPpi, 10, ppiFlags},
              false);
    fdt.empty("always-on");
    fdt.end();

    fdt.begin(fmt::format("intc@{:x}", virt::kGicDistributorBase));
    fdt.string("compatible", "arm,cortex-a15-gic");
    fdt.u32("#interrupt-cells", 3);
    fdt.empty("interrupt-controller");
    fdt.cells("reg", {virt::kGicDistributorBase, virt::kGicWindowBytes, virt::kGicCpuInterfaceBase,
                      virt::kGicWindowBytes},
              true);
    fdt.u32("phandle", kGicPhandle);
    fdt.end();

    fdt.begin("apb-pclk");
    fdt.string("compatible", "fixed-clock");
    fdt.u32("#clock-cells", 0);
    fdt.u32("clock-frequency", static_cast<std::uint32_t>(virt::kUartClockHz));
    fdt.string("clock-output-names", "clk24mhz");
    fdt.u32("phandle", kClockPhandle);
    fdt.end();

    const std::string uart = fmt::format("pl011@{:x}", virt::kUartBase);
    fdt.begin(uart);
    fdt.strings("compatible", {"arm,pl011", "arm,primecell"});
    fdt.cells("reg", {virt::kUartBase, virt::kUartBytes}, true);
    fdt.cells("interrupts", {kGicSpi, 1, kIrqLevelHigh}, false);
    fdt.cells("clocks", {kClockPhandle, kClockPhandle}, false);
    fdt.strings("clock-names", {"uartclk", "apb_pclk"});
    fdt.end();

    fdt.begin("chosen");
    fdt.string("stdout-path", "/" + uart);
    if (!config.bootargs.empty())
        fdt.string("bootargs", config.bootargs);
    if (config.initrd) {
        fdt.u64("linux,initrd-start", config.initrd->first);
        fdt.u64("linux,initrd-end", config.initrd->second);
    }
    fdt.end();

    fdt.end();
    return fdt.finish();
}

std::optional<std::string> deviceTreeProblem(std::span<const std::uint8_t> blob)
{
    if (blob.size() < sizeof(fdt_header))
        return fmt::format("{} bytes: shorter than a device tree header", blob.size());
    const int status = fdt_check_full(blob.data(), blob.size());
    if (status != 0)
        return fmt::format("not a valid flattened device tree ({})", fdt_strerror(status));
    return std::nullopt;
}

} // namespace vcm::hyp::board
