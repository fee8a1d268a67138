// The text labels the database stores for the trace's enumerations and ids (docs/events.md,
// "Enumerations"): one table, shared by ingest, reports and exports.
#pragma once

#include "vcm/tracer/event_sink.h"

#include <cstdint>
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
// What a trap was, for people: "DC CISW", "SCTLR_EL1", "stage-2 fault".
// PSCI function names by SMCCC id; other ids as "SMCCC 0x...".
std::string smcccFunctionName(std::uint32_t functionId);
std::string trapWhat(tracer::TrapKind kind, std::uint32_t detail);

} // namespace vcm::analyzer
