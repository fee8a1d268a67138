-- trace: seed004-bootloader-setway native
-- Every set/way operation of the clean loop ran natively: one per line of L1 (32 KiB / 64 B = 512) and of
-- L2 (512 KiB / 64 B = 8192) as the guest walks CLIDR/CCSIDR; none reached the system cache.
SELECT op, level, trapped, count(*) AS ops FROM maintenance GROUP BY op, level, trapped ORDER BY op, level
