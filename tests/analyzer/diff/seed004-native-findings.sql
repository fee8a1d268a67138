-- trace: seed004-bootloader-setway native
-- The bootloader's set/way clean under a policy that traps nothing: one untrapped set/way finding, eight
-- pages read stale after caches off (the data stayed in the system cache), their eight windows, and the
-- caches-on transition that no flush preceded.
SELECT kind, severity, count(*) AS findings, sum(measure) AS measure FROM finding GROUP BY kind, severity ORDER BY kind
