-- trace: seed004-bootloader-setway xen
-- Xen traps the first set/way operation and flushes the guest (p2m_set_way_flush): the walk visits valid
-- stage-2 entries only, the 512 pages the guest touched; the other set/way traps fold into that flush.
-- TVM is then armed, and the caches-off write traps and flushes again (p2m_toggle_cache): no page has been
-- touched since, so it flushes none.
SELECT flush_id, reason, segments, pages, finished FROM flush ORDER BY flush_id
