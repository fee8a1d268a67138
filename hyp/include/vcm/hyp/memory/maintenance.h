// Data-cache maintenance operations and what each one did.
#pragma once

#include "vcm/hyp/memory/memory_types.h"

#include <cstdint>

namespace vcm::hyp::memory {

// By virtual address (here: by the physical address the VA translated to). Arm ARM D7.5.9.
enum class ByAddressOp : std::uint8_t {
    CleanToPoC,           // DC CVAC
    CleanInvalidateToPoC, // DC CIVAC
    InvalidateToPoC,      // DC IVAC (EL1 with HCR_EL2.VM=1 is upgraded to CIVAC by the caller)
    CleanToPoU,           // DC CVAU
    ZeroBlock,            // DC ZVA
};

// By set/way on the executing core's caches only (D7.5.9.16).
enum class SetWayOp : std::uint8_t {
    Invalidate,      // DC ISW
    Clean,           // DC CSW
    CleanInvalidate, // DC CISW
};

const char* toString(ByAddressOp op); // the instruction mnemonic, e.g. "DC CIVAC"
const char* toString(SetWayOp op);

struct MaintenanceResult {
    std::uint64_t linesIssued = 0;      // per-line operations the instruction stream performs
    std::uint64_t linesCleaned = 0;     // dirty lines written towards the target point
    std::uint64_t linesInvalidated = 0; // copies removed (clean or dirty)
    std::uint64_t dirtyDiscarded = 0;   // dirty copies invalidated without a clean: their data is gone
    bool outOfRange = false;            // set/way operand outside the cache: no maintenance performed
    Cycles cost = 0;                    // modelled cycles, charged to the issuing core

    MaintenanceResult& operator+=(const MaintenanceResult& other);
};

} // namespace vcm::hyp::memory
