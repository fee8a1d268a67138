-- trace: seed004-setway-migrate xen
-- Set/way traps of a vCPU that migrates while its loop traps: no batch spans a migration (the vcpu_stop before it
-- passes on what the recorder holds, and Vcpu::setCore flushes it too), so every trap row lands inside a
-- scheduling slice of its vCPU on the core it names.
SELECT (SELECT count(*) FROM migration) AS migrations,
       (SELECT count(*) FROM trap WHERE kind = 'setway') AS setway_traps,
       (SELECT count(DISTINCT core) FROM trap WHERE kind = 'setway') AS cores,
       (SELECT count(*) FROM trap t WHERE kind = 'setway' AND NOT EXISTS
            (SELECT 1 FROM sched_slice s WHERE s.vcpu_id = t.vcpu_id AND s.core = t.core
                                           AND t.ts BETWEEN s.ts AND s.ts + s.dur)) AS outside_their_slice
