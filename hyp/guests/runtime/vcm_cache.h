/* Guest-side cache and MMU control, written the way bootloaders and kernels do it: identity page tables,
 * SCTLR_EL1 for MMU and caches, a set/way loop computed from CLIDR_EL1 and CCSIDR_EL1 (U-Boot's
 * __asm_dcache_all arithmetic, see shared/reference/policies.md 4.3), and by-VA cleans over a range with the
 * line size from CTR_EL0. */
#ifndef VCM_CACHE_H
#define VCM_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Identity-maps the low 4 GiB with 1 GiB blocks (the first gigabyte Device-nGnRnE, the rest Normal
 * write-back), then sets SCTLR_EL1.M, C and I. */
void vcm_mmu_caches_on(void);
/* Clears SCTLR_EL1.M and C: data accesses become Device-nGnRnE again. */
void vcm_mmu_caches_off(void);
/* DC CISW over every set and way of every level up to LoC, on the executing core. */
void vcm_dcache_clean_invalidate_setway(void);
/* DC CIVAC / DC CVAU over [start, start + length). */
void vcm_dcache_clean_invalidate_poc(const void *start, size_t length);
void vcm_dcache_clean_pou(const void *start, size_t length);

/* Like vcm_mmu_caches_on, but the 2 MiB block at nc_base (2 MiB aligned, inside 1..4 GiB) is mapped Normal
 * non-cacheable (MAIR attribute 0x44) through a level-2 table; the rest of RAM stays write-back. Call it with
 * the MMU off (the tables are written with plain stores) and, if caches were on before, only after the
 * table lines have been invalidated: the walker reads descriptors through the cache, so a stale cached copy
 * of level1_table would hide the new table descriptor. Returns 0, or -1 if nc_base is unusable. */
int vcm_mmu_caches_on_with_nc_window(uint64_t nc_base);
/* vcm_dcache_clean_invalidate_setway, but calling vcm_yield() between cache levels and every
 * yield_every_sets sets inside a level (0: only between levels), so the scheduler can migrate the vCPU
 * in the middle of the loop. */
void vcm_dcache_clean_invalidate_setway_yielding(unsigned yield_every_sets);

/* Maps the 4 KiB page at `va` (inside the 2 MiB alias region at VCM_ALIAS_REGION_VA, beyond the identity
 * map's 4 GiB) onto `ipa`, Normal write-back. Call after vcm_mmu_caches_on(). Returns -1 for a VA outside
 * the region or unaligned addresses. */
#define VCM_ALIAS_REGION_VA 0x1000000000ul /* 64 GiB */
int vcm_map_alias(uint64_t va, uint64_t ipa);

#endif
