-- Indexes of schema version 1, built after the bulk load. Time-range queries of the GUI (rows of one track
-- overlapping [a, b]) use (track column, ts); the detectors look up by vCPU, address and flush.
CREATE INDEX sched_slice_core_ts ON sched_slice (core, ts);
CREATE INDEX sched_slice_vcpu_ts ON sched_slice (vcpu_id, ts);
CREATE INDEX vcpu_wait_vcpu_ts ON vcpu_wait (vcpu_id, ts);
CREATE INDEX migration_vcpu_ts ON migration (vcpu_id, ts);
CREATE INDEX timer_tick_core_ts ON timer_tick (core, ts);
CREATE INDEX sctlr_state_vcpu_ts ON sctlr_state (vcpu_id, ts);
CREATE INDEX tvm_state_vcpu_ts ON tvm_state (vcpu_id, ts);
CREATE INDEX trap_vcpu_ts ON trap (vcpu_id, ts);
CREATE INDEX trap_ts ON trap (ts);
CREATE INDEX flush_vm_ts ON flush (vm, ts);
CREATE INDEX flush_segment_flush ON flush_segment (flush, seq);
CREATE INDEX flush_segment_core_ts ON flush_segment (core, ts);
-- maintenance can hold millions of set/way rows (one per line of a full set/way pass): none is indexed.
-- Per-agent questions read maintenance_summary; the causal chain looks up by-address rows only, through the
-- partial index maintenance_address, which schema.sql creates with the table.
CREATE INDEX stale_read_ts ON stale_read (ts);
CREATE INDEX stale_read_address ON stale_read (address);
CREATE INDEX clobber_ts ON clobber (ts);
CREATE INDEX stale_window_page_ts ON stale_window (page, ts);
CREATE INDEX stale_window_ts ON stale_window (ts);
CREATE INDEX marker_vcpu_ts ON marker (vcpu_id, ts);
CREATE INDEX console_vcpu_ts ON console (vcpu_id, ts);
CREATE INDEX args_raw_event ON args (raw_event);
CREATE INDEX finding_ts ON finding (ts);
CREATE INDEX finding_evidence_finding ON finding_evidence (finding);
