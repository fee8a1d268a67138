/* The LTTng-UST tracepoint provider "vcm": every event the model emits, with its typed fields. Each event
 * carries vtime_ns (the model's virtual time); LTTng's own timestamp is the host's. docs/events.md is the
 * catalogue. This header follows the LTTng-UST 2.13 provider conventions (multi-read). */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER vcm

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "vcm_tracepoints.h"

#if !defined(VCM_TRACEPOINTS_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define VCM_TRACEPOINTS_H

#include <lttng/tracepoint.h>
#include <stdint.h>

#ifndef VCM_TRACEPOINT_STRUCTS
#define VCM_TRACEPOINT_STRUCTS
/* Events with more than ten fields take one of these (LTTng-UST allows at most ten tracepoint arguments). */
struct vcm_tp_run_configuration {
    const char *scenario, *scenario_text, *policy, *knobs, *overrides, *vcm_version, *guests;
    uint64_t seed;
    uint32_t clusters, cores_per_cluster, line_bytes;
    uint64_t l1_bytes;
    uint32_t l1_ways;
    uint64_t l2_bytes;
    uint32_t l2_ways;
    uint64_t system_cache_bytes;
    uint32_t system_cache_ways;
    uint64_t core_mhz;
};
struct vcm_tp_stale_read {
    uint64_t vtime_ns;
    uint32_t agent;
    int32_t core;
    uint64_t address;
    uint32_t stale_words;
    uint64_t version_returned, latest_version;
    uint32_t latest_writer;
    uint64_t latest_write_ns;
    uint8_t source;
    uint32_t source_instance;
    uint8_t latest_held_in;
    uint32_t held_instance;
};
struct vcm_tp_clobber {
    uint64_t vtime_ns;
    uint64_t address;
    uint32_t words;
    uint8_t origin;
    uint32_t origin_instance;
    uint64_t line_version, overwritten_version;
    uint8_t overwritten_write_known;
    uint32_t overwritten_writer;
    uint64_t overwritten_write_ns;
};
struct vcm_tp_setway_trap_batch {
    uint64_t vtime_ns, last_vtime_ns;
    uint32_t vm, vcpu, core, core_mhz, count;
    uint64_t first_cycles, last_cycles;
    uint8_t first_op;
    uint64_t first_operand;
    const uint8_t *codes;
    uint16_t code_bytes;
    const uint8_t *literals;
    uint16_t literal_bytes;
};
#endif

LTTNG_UST_TRACEPOINT_ENUM(vcm, trap_kind,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("setway", 0)
        lttng_ust_field_enum_value("vm_register", 1)
        lttng_ust_field_enum_value("stage2_fault", 2)
        lttng_ust_field_enum_value("smccc", 3)
        lttng_ust_field_enum_value("mmio", 4)
        lttng_ust_field_enum_value("undefined", 5)
        lttng_ust_field_enum_value("system_register", 6)))

LTTNG_UST_TRACEPOINT_ENUM(vcm, flush_reason,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("setway", 0)
        lttng_ust_field_enum_value("caches_on", 1)
        lttng_ust_field_enum_value("caches_off", 2)
        lttng_ust_field_enum_value("fault", 3)))

LTTNG_UST_TRACEPOINT_ENUM(vcm, stop_reason,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("slice_end", 0)
        lttng_ust_field_enum_value("yield", 1)
        lttng_ust_field_enum_value("exit", 2)
        lttng_ust_field_enum_value("fault", 3)
        lttng_ust_field_enum_value("hypervisor", 4)
        lttng_ust_field_enum_value("preempted", 5)
        lttng_ust_field_enum_value("powered_off", 6)
        lttng_ust_field_enum_value("wfi", 7)))

LTTNG_UST_TRACEPOINT_ENUM(vcm, value_source,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("ram", 0)
        lttng_ust_field_enum_value("l1", 1)
        lttng_ust_field_enum_value("l2", 2)
        lttng_ust_field_enum_value("system_cache", 3)
        lttng_ust_field_enum_value("nowhere", 4)))

LTTNG_UST_TRACEPOINT_ENUM(vcm, agent_role,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("vcpu", 0)
        lttng_ust_field_enum_value("hypervisor", 1)
        lttng_ust_field_enum_value("toolstack", 2)
        lttng_ust_field_enum_value("device", 3)))

LTTNG_UST_TRACEPOINT_ENUM(vcm, maintenance_op,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("dc_cvac", 0)
        lttng_ust_field_enum_value("dc_civac", 1)
        lttng_ust_field_enum_value("dc_ivac", 2)
        lttng_ust_field_enum_value("dc_cvau", 3)
        lttng_ust_field_enum_value("dc_zva", 4)
        lttng_ust_field_enum_value("dc_isw", 5)
        lttng_ust_field_enum_value("dc_csw", 6)
        lttng_ust_field_enum_value("dc_cisw", 7)))

/* A set/way trap's op: TrapKind::SetWay's detail (memory::SetWayOp). */
LTTNG_UST_TRACEPOINT_ENUM(vcm, setway_op,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("dc_isw", 0)
        lttng_ust_field_enum_value("dc_csw", 1)
        lttng_ust_field_enum_value("dc_cisw", 2)))

LTTNG_UST_TRACEPOINT_ENUM(vcm, toolstack_mode,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("cached_no_maintenance", 0)
        lttng_ust_field_enum_value("cached_clean_to_pou", 1)
        lttng_ust_field_enum_value("cached_clean_to_poc_then_unmap", 2)
        lttng_ust_field_enum_value("uncached_mapping", 3)
        lttng_ust_field_enum_value("unmap_then_hypervisor_flush", 4)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, run_configuration,
    LTTNG_UST_TP_ARGS(const struct vcm_tp_run_configuration *, c),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_string(scenario, c->scenario)
        lttng_ust_field_string(scenario_text, c->scenario_text)
        lttng_ust_field_string(policy, c->policy)
        lttng_ust_field_string(knobs, c->knobs)
        lttng_ust_field_string(overrides, c->overrides)
        lttng_ust_field_string(vcm_version, c->vcm_version)
        lttng_ust_field_string(guests, c->guests)
        lttng_ust_field_integer(uint64_t, seed, c->seed)
        lttng_ust_field_integer(uint32_t, clusters, c->clusters)
        lttng_ust_field_integer(uint32_t, cores_per_cluster, c->cores_per_cluster)
        lttng_ust_field_integer(uint32_t, line_bytes, c->line_bytes)
        lttng_ust_field_integer(uint64_t, l1_bytes, c->l1_bytes)
        lttng_ust_field_integer(uint32_t, l1_ways, c->l1_ways)
        lttng_ust_field_integer(uint64_t, l2_bytes, c->l2_bytes)
        lttng_ust_field_integer(uint32_t, l2_ways, c->l2_ways)
        lttng_ust_field_integer(uint64_t, system_cache_bytes, c->system_cache_bytes)
        lttng_ust_field_integer(uint32_t, system_cache_ways, c->system_cache_ways)
        lttng_ust_field_integer(uint64_t, core_mhz, c->core_mhz)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, run_end,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint64_t, instructions),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint64_t, instructions, instructions)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, vcpu_run,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint32_t, core),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint32_t, core, core)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, vcpu_stop,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint32_t, core, uint8_t, reason,
                      uint64_t, instructions),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_enum(vcm, stop_reason, uint8_t, reason, reason)
        lttng_ust_field_integer(uint64_t, instructions, instructions)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, vcpu_migrate,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint32_t, from_core, uint32_t, to_core),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint32_t, from_core, from_core)
        lttng_ust_field_integer(uint32_t, to_core, to_core)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, timer_tick,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, core),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, core, core)))

/* Ticks a core owed after a long stretch without a tick check (a non-preemptible flush segment, a long trap),
   as one event: the first at first_cycles, then every period_cycles. */
LTTNG_UST_TRACEPOINT_EVENT(vcm, timer_ticks,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint64_t, last_vtime_ns, uint32_t, core, uint32_t, core_mhz,
                      uint64_t, first_cycles, uint64_t, period_cycles, uint32_t, count),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint64_t, last_vtime_ns, last_vtime_ns)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_integer(uint32_t, core_mhz, core_mhz)
        lttng_ust_field_integer(uint64_t, first_cycles, first_cycles)
        lttng_ust_field_integer(uint64_t, period_cycles, period_cycles)
        lttng_ust_field_integer(uint32_t, count, count)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, trap,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint32_t, core, uint8_t, kind, uint32_t,
                      detail, uint64_t, operand, uint64_t, old_value, uint64_t, new_value),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_enum(vcm, trap_kind, uint8_t, kind, kind)
        lttng_ust_field_integer(uint32_t, detail, detail)
        lttng_ust_field_integer_hex(uint64_t, operand, operand)
        lttng_ust_field_integer_hex(uint64_t, old_value, old_value)
        lttng_ust_field_integer_hex(uint64_t, new_value, new_value)))

/* Set/way traps of one vCPU on one core in a row (SetWayTrapBatch): the first in full, each later one a four-bit
   code (docs/events.md, "The set/way trap code"). Replaces vcm:setway_traps (three arrays, 20 bytes per trap), which
   the analyzer still reads. Two-byte lengths (a batch holds at most 2 KiB of codes and 1 KiB of literals): a damaged
   trace cannot make a reader allocate a huge array (Babeltrace2 2.0 crashes on a 32-bit length of 0xffffffff). */
LTTNG_UST_TRACEPOINT_EVENT(vcm, setway_trap_batch,
    LTTNG_UST_TP_ARGS(const struct vcm_tp_setway_trap_batch *, b),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, b->vtime_ns)
        lttng_ust_field_integer(uint64_t, last_vtime_ns, b->last_vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, b->vm)
        lttng_ust_field_integer(uint32_t, vcpu, b->vcpu)
        lttng_ust_field_integer(uint32_t, core, b->core)
        lttng_ust_field_integer(uint32_t, core_mhz, b->core_mhz)
        lttng_ust_field_integer(uint32_t, count, b->count)
        lttng_ust_field_integer(uint64_t, first_cycles, b->first_cycles)
        lttng_ust_field_integer(uint64_t, last_cycles, b->last_cycles)
        lttng_ust_field_enum(vcm, setway_op, uint8_t, first_op, b->first_op)
        lttng_ust_field_integer_hex(uint64_t, first_operand, b->first_operand)
        lttng_ust_field_sequence_hex(uint8_t, codes, b->codes, uint16_t, b->code_bytes)
        lttng_ust_field_sequence_hex(uint8_t, literals, b->literals, uint16_t, b->literal_bytes)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, sctlr_change,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint64_t, old_value, uint64_t, new_value),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer_hex(uint64_t, old_value, old_value)
        lttng_ust_field_integer_hex(uint64_t, new_value, new_value)
        lttng_ust_field_integer(uint8_t, old_m, (uint8_t)(old_value & 1))
        lttng_ust_field_integer(uint8_t, old_c, (uint8_t)((old_value >> 2) & 1))
        lttng_ust_field_integer(uint8_t, old_i, (uint8_t)((old_value >> 12) & 1))
        lttng_ust_field_integer(uint8_t, new_m, (uint8_t)(new_value & 1))
        lttng_ust_field_integer(uint8_t, new_c, (uint8_t)((new_value >> 2) & 1))
        lttng_ust_field_integer(uint8_t, new_i, (uint8_t)((new_value >> 12) & 1))))

LTTNG_UST_TRACEPOINT_EVENT(vcm, tvm_change,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint8_t, armed),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint8_t, armed, armed)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, console,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, const char *, text),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_string(text, text)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, marker,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, const char *, name),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_string(name, name)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, flush_request,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, vcpu, uint32_t, flush_id, uint8_t, reason),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint32_t, flush_id, flush_id)
        lttng_ust_field_enum(vcm, flush_reason, uint8_t, reason, reason)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, flush_segment_begin,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, core, uint32_t, flush_id),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_integer(uint32_t, flush_id, flush_id)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, flush_segment_end,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, core, uint32_t, flush_id, uint64_t, pages,
                      uint64_t, regions_skipped, uint8_t, finished, uint64_t, resume_gfn, uint64_t,
                      unpreempted_delay_ns),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_integer(uint32_t, flush_id, flush_id)
        lttng_ust_field_integer(uint64_t, pages, pages)
        lttng_ust_field_integer(uint64_t, regions_skipped, regions_skipped)
        lttng_ust_field_integer(uint8_t, finished, finished)
        lttng_ust_field_integer_hex(uint64_t, resume_gfn, resume_gfn)
        lttng_ust_field_integer(uint64_t, unpreempted_delay_ns, unpreempted_delay_ns)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, stale_read,
    LTTNG_UST_TP_ARGS(const struct vcm_tp_stale_read *, r),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, r->vtime_ns)
        lttng_ust_field_integer(uint32_t, agent, r->agent)
        lttng_ust_field_integer(int32_t, core, r->core)
        lttng_ust_field_integer_hex(uint64_t, address, r->address)
        lttng_ust_field_integer(uint32_t, stale_words, r->stale_words)
        lttng_ust_field_integer(uint64_t, version_returned, r->version_returned)
        lttng_ust_field_integer(uint64_t, latest_version, r->latest_version)
        lttng_ust_field_integer(uint32_t, latest_writer, r->latest_writer)
        lttng_ust_field_integer(uint64_t, latest_write_ns, r->latest_write_ns)
        lttng_ust_field_enum(vcm, value_source, uint8_t, source, r->source)
        lttng_ust_field_integer(uint32_t, source_instance, r->source_instance)
        lttng_ust_field_enum(vcm, value_source, uint8_t, latest_held_in, r->latest_held_in)
        lttng_ust_field_integer(uint32_t, held_instance, r->held_instance)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, clobber,
    LTTNG_UST_TP_ARGS(const struct vcm_tp_clobber *, c, const char *, cause),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, c->vtime_ns)
        lttng_ust_field_integer_hex(uint64_t, address, c->address)
        lttng_ust_field_integer(uint32_t, words, c->words)
        lttng_ust_field_enum(vcm, value_source, uint8_t, origin, c->origin)
        lttng_ust_field_integer(uint32_t, origin_instance, c->origin_instance)
        lttng_ust_field_integer(uint64_t, line_version, c->line_version)
        lttng_ust_field_integer(uint64_t, overwritten_version, c->overwritten_version)
        lttng_ust_field_integer(uint8_t, overwritten_write_known, c->overwritten_write_known)
        lttng_ust_field_integer(uint32_t, overwritten_writer, c->overwritten_writer)
        lttng_ust_field_integer(uint64_t, overwritten_write_ns, c->overwritten_write_ns)
        lttng_ust_field_string(cause, cause)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, stale_window_open,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint64_t, page, const char *, observers, const char *, cause),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer_hex(uint64_t, page, page)
        lttng_ust_field_string(observers, observers)
        lttng_ust_field_string(cause, cause)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, stale_window_close,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint64_t, page, const char *, resolved_by),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer_hex(uint64_t, page, page)
        lttng_ust_field_string(resolved_by, resolved_by)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, toolstack_write,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, vm, uint32_t, core, uint8_t, mode, uint64_t, ipa, uint64_t, bytes),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_enum(vcm, toolstack_mode, uint8_t, mode, mode)
        lttng_ust_field_integer_hex(uint64_t, ipa, ipa)
        lttng_ust_field_integer(uint64_t, bytes, bytes)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, agent,
    LTTNG_UST_TP_ARGS(uint32_t, id, uint8_t, role, const char *, name, int32_t, core),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint32_t, id, id)
        lttng_ust_field_enum(vcm, agent_role, uint8_t, role, role)
        lttng_ust_field_string(name, name)
        lttng_ust_field_integer(int32_t, core, core)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, vcpu_create,
    LTTNG_UST_TP_ARGS(uint32_t, vm, uint32_t, vcpu, uint32_t, agent, uint32_t, core, const char *, vm_name,
                      const char *, name),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint32_t, vm, vm)
        lttng_ust_field_integer(uint32_t, vcpu, vcpu)
        lttng_ust_field_integer(uint32_t, agent, agent)
        lttng_ust_field_integer(uint32_t, core, core)
        lttng_ust_field_string(vm_name, vm_name)
        lttng_ust_field_string(name, name)))

LTTNG_UST_TRACEPOINT_EVENT(vcm, maintenance,
    LTTNG_UST_TP_ARGS(uint64_t, vtime_ns, uint32_t, agent, int32_t, core, uint8_t, op, uint64_t, address,
                      uint64_t, bytes, uint64_t, lines_cleaned, uint64_t, lines_invalidated, uint64_t, dirty_discarded),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, vtime_ns, vtime_ns)
        lttng_ust_field_integer(uint32_t, agent, agent)
        lttng_ust_field_integer(int32_t, core, core)
        lttng_ust_field_enum(vcm, maintenance_op, uint8_t, op, op)
        lttng_ust_field_integer_hex(uint64_t, address, address)
        lttng_ust_field_integer(uint64_t, bytes, bytes)
        lttng_ust_field_integer(uint64_t, lines_cleaned, lines_cleaned)
        lttng_ust_field_integer(uint64_t, lines_invalidated, lines_invalidated)
        lttng_ust_field_integer(uint64_t, dirty_discarded, dirty_discarded)))

#endif /* VCM_TRACEPOINTS_H */

#include <lttng/tracepoint-event.h>
