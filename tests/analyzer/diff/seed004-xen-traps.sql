-- trace: seed004-bootloader-setway xen
-- Every set/way operation traps (HCR_EL2.TSW), with the caches on; two stage-2 faults of the access
-- tracking; one TVM trap: the SCTLR_EL1 write that turns the caches off; and the guest's nine requests through the
-- guest port (markers, console, exit), seven of them with its caches off.
SELECT kind, what, caches_on, count(*) AS traps FROM trap GROUP BY kind, what, caches_on ORDER BY kind, what, caches_on
