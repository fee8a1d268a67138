-- The vcm trace database, schema version 3 (PRAGMA user_version = 3). docs/schema.md describes every table.
-- Conventions (after Perfetto's trace processor): times are the model's virtual time in nanoseconds (`ts`,
-- from the events' vtime_ns) and interval tables carry `ts` and `dur`; intervals still open when the trace
-- ends have dur = run end - ts and open = 1. Entities have integer ids; vCPUs have one id across VMs
-- (`vcpu.id`), as Perfetto's utid. Enumerations are stored as their trace labels (text).

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scenario TEXT,
    scenario_text TEXT,
    policy TEXT,
    knobs TEXT,
    overrides TEXT,
    vcm_version TEXT,
    guests TEXT,             -- "program=sha256:HEX;..." of the guest images, in VM order
    seed INTEGER,
    core_mhz INTEGER,
    end_ts INTEGER,          -- the larger of run_end.vtime_ns and the largest ts of any event read (open intervals end here)
    instructions INTEGER,    -- run_end.instructions; NULL without run_end
    complete INTEGER NOT NULL DEFAULT 0  -- 1: run_configuration and run_end were both seen
);

CREATE TABLE machine (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    clusters INTEGER NOT NULL,
    cores_per_cluster INTEGER NOT NULL,
    line_bytes INTEGER NOT NULL,
    l1_bytes INTEGER NOT NULL,
    l1_ways INTEGER NOT NULL,
    l2_bytes INTEGER NOT NULL,
    l2_ways INTEGER NOT NULL,
    system_cache_bytes INTEGER NOT NULL,
    system_cache_ways INTEGER NOT NULL
);

CREATE TABLE core (
    id INTEGER PRIMARY KEY,  -- physical core number
    cluster INTEGER NOT NULL
);

CREATE TABLE vm (
    id INTEGER PRIMARY KEY,  -- VM index in creation order
    name TEXT
);

CREATE TABLE vcpu (
    id INTEGER PRIMARY KEY,  -- vcm-wide vCPU id (first appearance order)
    vm INTEGER NOT NULL,
    idx INTEGER NOT NULL,    -- index within the VM
    name TEXT,
    agent INTEGER,
    UNIQUE (vm, idx)
);

CREATE TABLE agent (
    id INTEGER PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    core INTEGER             -- NULL: no core
);

-- vCPU run slices on physical cores (vcpu_run .. vcpu_stop).
CREATE TABLE sched_slice (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    core INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    end_reason TEXT,         -- vcpu_stop.reason; NULL when the slice was still running at the end
    instructions INTEGER,
    open INTEGER NOT NULL DEFAULT 0
);

-- A vCPU that was runnable but not running: from the end of a slice that left it runnable (slice_end, yield,
-- preempted) to its next slice; to the run's end (open = 1) when it never ran again. Derived from sched_slice
-- when a database is written (db::fillVcpuWaits), so that a waiting vCPU has a state of its own.
CREATE TABLE vcpu_wait (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    core INTEGER NOT NULL,   -- the core its last slice ran on
    reason TEXT NOT NULL,    -- how that slice ended
    open INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE migration (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    from_core INTEGER NOT NULL,
    to_core INTEGER NOT NULL
);

CREATE TABLE timer_tick (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    core INTEGER NOT NULL
);

-- SCTLR_EL1 state per vCPU. The first interval of a vCPU starts at 0 with the reset value it had before its
-- first sctlr_change (unknown, NULL value and state 'reset', when it never changed).
CREATE TABLE sctlr_state (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    value INTEGER,
    m INTEGER,
    c INTEGER,
    i INTEGER,
    state TEXT NOT NULL,     -- 'off', 'mmu' (M only), 'caches' (C only), 'mmu_caches' (M and C)
    open INTEGER NOT NULL DEFAULT 0
);

-- HCR_EL2.TVM armed intervals per vCPU.
CREATE TABLE tvm_state (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    open INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE trap (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    core INTEGER NOT NULL,
    kind TEXT NOT NULL,      -- 'setway', 'vm_register', 'stage2_fault'
    detail INTEGER NOT NULL,
    what TEXT NOT NULL,      -- 'DC CISW', 'SCTLR_EL1', 'stage-2 fault', ...
    operand INTEGER NOT NULL,
    old_value INTEGER NOT NULL,
    new_value INTEGER NOT NULL,
    caches_on INTEGER NOT NULL  -- 1: the vCPU's SCTLR_EL1 had M and C set when it trapped
);

-- One row per full-guest flush, from its request to the end of its last segment.
CREATE TABLE flush (
    id INTEGER PRIMARY KEY,
    vm INTEGER NOT NULL,
    flush_id INTEGER NOT NULL,  -- index in the VM's flush log
    vcpu_id INTEGER NOT NULL,   -- the vCPU whose trap requested it
    ts INTEGER NOT NULL,        -- request time
    dur INTEGER NOT NULL,       -- to the end of the last segment (to the run end when unfinished)
    reason TEXT NOT NULL,
    segments INTEGER NOT NULL DEFAULT 0,
    pages INTEGER NOT NULL DEFAULT 0,
    longest_segment INTEGER NOT NULL DEFAULT 0,
    finished INTEGER NOT NULL DEFAULT 0,
    UNIQUE (vm, flush_id)
);

CREATE TABLE flush_segment (
    id INTEGER PRIMARY KEY,
    flush INTEGER,              -- flush.id; NULL when the trace lost the request
    vm INTEGER NOT NULL,
    flush_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,       -- 0, 1, ... within the flush
    core INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    regions_skipped INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    resume_gfn INTEGER NOT NULL,
    unpreempted_delay_ns INTEGER NOT NULL
);

CREATE TABLE maintenance (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    agent INTEGER NOT NULL,
    core INTEGER,
    op TEXT NOT NULL,           -- 'dc_cvac', ..., 'dc_cisw'
    by_set_way INTEGER NOT NULL,
    address INTEGER NOT NULL,   -- by address: first byte; by set/way: the raw operand
    bytes INTEGER NOT NULL,
    level INTEGER,              -- set/way: cache level (1, 2) from the operand
    trapped INTEGER NOT NULL,   -- 1: executed by the hypervisor's handler of a set/way trap; 0: by the guest natively
    lines_cleaned INTEGER NOT NULL,
    lines_invalidated INTEGER NOT NULL,
    dirty_discarded INTEGER NOT NULL
);
-- Created with the table, unlike the indexes of indexes.sql, and kept up to date by every insert: its WHERE
-- leaves the set/way rows out at insert time, almost for free, where building it after the load would read
-- them all (millions in a set/way storm) only to leave them out. By-address rows are few.
CREATE INDEX maintenance_address ON maintenance (address) WHERE by_set_way = 0;

-- The maintenance rows summed per (agent, op, by_set_way, trapped), accumulated by the builder while it
-- writes them: questions about all of an agent's maintenance (untrapped_setway, the causal chain's set/way
-- counts) read a few rows here instead of scanning millions there.
CREATE TABLE maintenance_summary (
    id INTEGER PRIMARY KEY,     -- in order of the group's first maintenance row
    agent INTEGER NOT NULL,
    op TEXT NOT NULL,
    by_set_way INTEGER NOT NULL,
    trapped INTEGER NOT NULL,
    count INTEGER NOT NULL,     -- maintenance rows of the group
    first_ts INTEGER NOT NULL,  -- min(ts) of those rows
    last_ts INTEGER NOT NULL,   -- max(ts)
    first_id INTEGER NOT NULL,  -- min(maintenance.id): the group's first row in record order
    last_id INTEGER NOT NULL,   -- max(maintenance.id)
    lines_cleaned INTEGER NOT NULL,      -- sums over the rows
    lines_invalidated INTEGER NOT NULL,
    dirty_discarded INTEGER NOT NULL,
    cores TEXT,                 -- the distinct cores of the rows, ascending, comma-separated ('0,2'); NULL: none had a core
    UNIQUE (agent, op, by_set_way, trapped)
);

CREATE TABLE stale_read (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    agent INTEGER NOT NULL,
    core INTEGER,
    address INTEGER NOT NULL,
    stale_words INTEGER NOT NULL,
    version_returned INTEGER NOT NULL,
    latest_version INTEGER NOT NULL,
    latest_writer INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_instance INTEGER NOT NULL,
    latest_held_in TEXT NOT NULL,
    held_instance INTEGER NOT NULL,
    latest_write_ts INTEGER          -- v2: when latest_writer made the write this read missed; NULL: unknown
);

CREATE TABLE clobber (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    address INTEGER NOT NULL,
    words INTEGER NOT NULL,
    origin TEXT NOT NULL,
    origin_instance INTEGER NOT NULL,
    line_version INTEGER NOT NULL,
    overwritten_version INTEGER NOT NULL,
    cause TEXT NOT NULL,
    overwritten_writer INTEGER,      -- v2: the agent whose write was destroyed; NULL: unknown
    overwritten_write_ts INTEGER     -- v2: when it made that write; NULL: unknown
);

CREATE TABLE stale_window (
    id INTEGER PRIMARY KEY,
    page INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    observers TEXT NOT NULL,
    cause TEXT NOT NULL,
    resolved_by TEXT,           -- NULL while open
    open INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE toolstack_action (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    vm INTEGER NOT NULL,
    core INTEGER NOT NULL,
    action TEXT NOT NULL,       -- 'write' (toolstack_write)
    mode TEXT NOT NULL,
    ipa INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);

CREATE TABLE marker (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE console (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    vcpu_id INTEGER NOT NULL,
    text TEXT NOT NULL
);

-- Stretches where the tracer discarded events or lost packets. ts_before/ts_after: the virtual time of the
-- last event read before the gap and of the first after it (NULL at the trace's ends); host_begin/host_end:
-- LTTng's host-clock range of the gap as Babeltrace2 reports it (NULL when unknown).
CREATE TABLE data_loss (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,         -- 'events' or 'packets'
    count INTEGER NOT NULL,
    event_index INTEGER NOT NULL,  -- events read before the gap
    ts_before INTEGER,
    ts_after INTEGER,
    host_begin INTEGER,
    host_end INTEGER
);

-- Events this version does not know (from a newer tracer), and fields of known events it does not read:
-- kept, not dropped. raw_event.event_index is the position in the trace.
CREATE TABLE raw_event (
    id INTEGER PRIMARY KEY,
    event_index INTEGER NOT NULL,
    name TEXT NOT NULL,
    ts INTEGER,                 -- vtime_ns when the event has one
    known INTEGER NOT NULL      -- 1: a known event with extra fields (only the extra fields are in args)
);

CREATE TABLE args (
    id INTEGER PRIMARY KEY,
    raw_event INTEGER NOT NULL,
    key TEXT NOT NULL,
    int_value INTEGER,
    real_value REAL,
    string_value TEXT
);

CREATE TABLE finding (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,     -- 'error', 'warning', 'info'
    ts INTEGER NOT NULL,
    dur INTEGER NOT NULL,
    vm INTEGER,
    vcpu_id INTEGER,
    core INTEGER,
    address INTEGER,
    measure INTEGER,            -- the figure the finding is about (ns, words, count), kind-specific
    explanation TEXT NOT NULL,
    uncertain INTEGER NOT NULL DEFAULT 0  -- 1: the trace lost data, the conclusion may be wrong
);

CREATE TABLE finding_evidence (
    id INTEGER PRIMARY KEY,
    finding INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    role TEXT NOT NULL          -- 'subject', 'cause', 'maintenance', 'trap', 'migration', ...
);
