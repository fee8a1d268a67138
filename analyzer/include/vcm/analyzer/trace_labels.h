// The text labels the database stores for the trace's enumerations and ids (docs/events.md,
// "Enumerations"): one table, shared by ingest, reports and exports.
#pragma once

#include "vcm/tracer/event_sink.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vcm::analyzer {

const char* label(tracer::TrapKind kind);
const char* label(tracer::FlushReason reason);
const char* label(tracer::VcpuStopReason reason);
const char* label(tracer::ValueSourceKind source);
const char* label(tracer::AgentRole role);
const char* label(tracer::MaintenanceOp op);
const char* toolstackModeLabel(std::uint32_t mode);
// The register a vm_register trap wrote (cpu::SystemRegister values), e.g. "SCTLR_EL1".
const char* systemRegisterName(std::uint32_t value);
// The register or system instruction a system_register trap's detail encodes (tracer::systemRegisterIss, the
// direction ignored), e.g. "CCSIDR_EL1" or "DC CISW"; one vcm has no name for in the generic form
// "S3_1_C15_C2_0" (Arm ARM C5.3).
std::string systemRegisterAt(std::uint32_t iss);
// The cpu::SystemRegister value (systemRegisterName's argument) of the register `iss` encodes, if it has one.
std::optional<std::uint32_t> systemRegisterValueAt(std::uint32_t iss);
// The set/way operation `iss` encodes, as a setway trap's detail (DC ISW 0, DC CSW 1, DC CISW 2), if it is one.
std::optional<std::uint32_t> setWayOperationAt(std::uint32_t iss);
// Whether HCR_EL2.TVM traps writes to the register `iss` encodes (SCTLR_EL1 ... AFSR1_EL1).
bool trappedByTvmAt(std::uint32_t iss);
// What a trap was, for people: "DC CISW", "SCTLR_EL1", "stage-2 fault".
// PSCI function names by SMCCC id; other ids as "SMCCC 0x...".
std::string smcccFunctionName(std::uint32_t functionId);
std::string trapWhat(tracer::TrapKind kind, std::uint32_t detail);

} // namespace vcm::analyzer
