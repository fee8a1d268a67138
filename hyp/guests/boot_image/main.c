/* boot-image: the guest-building hazard of seeds 000 and 001 (libxc "flush data cache after loading images
 * into guest memory", then "use uncached foreign mappings when building guests"): guests start with MMU and
 * caches off, so the kernel/initrd/DTB the toolstack wrote through its cacheable mapping must have reached
 * RAM (cleaned to the PoC, not just the PoU, and not re-fetched speculatively) before the guest reads it.
 *
 * Contract (hyp/guests/runtime/vcm_boot_payload.h): at VCM_BOOT_PAYLOAD_IPA a 64-bit magic, a 64-bit data
 * length, the data, then the FNV-1a 64 hash of the data. The guest never turns its MMU or caches on: every
 * read below is a Device access that goes to RAM.
 *
 * Then, as a kernel does before it turns its MMU on, it changes the data with caches off (each word XORed
 * with a constant), turns MMU and caches on, and checks the data again through its cacheable mapping: a
 * line the toolstack's foreign mapping let the processor pull in after the clean (seed 001's race) now
 * shadows what the guest wrote.
 *
 * Verdict, computed only from the bytes the guest read: PASS when the magic matches, the length fits the
 * 64 KiB region, the hash of the data equals the stored hash, and after caches on the data un-XORed hashes
 * to the same value; FAIL otherwise, with the reason. */
#include "vcm_boot_payload.h"
#include "vcm_cache.h"
#include "vcm_guest.h"

#define RELOCATION_KEY 0x5a5a5a5a5a5a5a5aull

/* Ends the line started by the caller ("boot-image: <reason>") and exits. */
static __attribute__((noreturn)) void verdict(int pass, uint64_t bytes_checked)
{
    vcm_puts(", ");
    vcm_put_u64(bytes_checked);
    vcm_puts(pass ? " bytes checked: PASS\n" : " bytes checked: FAIL\n");
    vcm_exit(pass ? 0 : 1);
}

int main(void)
{
    const volatile uint8_t *payload = (const volatile uint8_t *)VCM_BOOT_PAYLOAD_IPA;
    const uint64_t magic = *(const volatile uint64_t *)payload;
    const uint64_t length = *(const volatile uint64_t *)(payload + 8);
    vcm_marker("payload-header-read");
    if (magic != VCM_BOOT_PAYLOAD_MAGIC) {
        vcm_puts("boot-image: payload magic missing at ");
        vcm_put_hex(VCM_BOOT_PAYLOAD_IPA);
        vcm_puts(" (read ");
        vcm_put_hex(magic);
        vcm_puts(", expected ");
        vcm_put_hex(VCM_BOOT_PAYLOAD_MAGIC);
        vcm_puts(")");
        verdict(0, 0);
    }
    if (length > VCM_BOOT_PAYLOAD_MAX_DATA_BYTES) {
        vcm_puts("boot-image: payload length ");
        vcm_put_u64(length);
        vcm_puts(" does not fit the 64 KiB region");
        verdict(0, 0);
    }

    const volatile uint8_t *data = payload + VCM_BOOT_PAYLOAD_HEADER_BYTES;
    uint64_t hash = VCM_FNV1A64_OFFSET_BASIS;
    for (uint64_t i = 0; i < length; ++i)
        hash = vcm_fnv1a64_step(hash, data[i]);
    uint64_t stored = 0; /* byte by byte: it need not be aligned, and Device accesses must be */
    for (uint64_t i = 0; i < VCM_BOOT_PAYLOAD_HASH_BYTES; ++i)
        stored |= (uint64_t)data[length + i] << (8 * i);
    vcm_marker("payload-checked");

    if (hash != stored) {
        vcm_puts("boot-image: payload hash ");
        vcm_put_hex(hash);
        vcm_puts(" differs from the stored ");
        vcm_put_hex(stored);
        verdict(0, length);
    }
    /* Change the data with caches off (Device writes reach RAM), then look again with caches on. */
    volatile uint64_t *words = (volatile uint64_t *)(payload + VCM_BOOT_PAYLOAD_HEADER_BYTES);
    const uint64_t whole_words = length / 8;
    for (uint64_t i = 0; i < whole_words; ++i)
        words[i] ^= RELOCATION_KEY;
    vcm_mmu_caches_on();
    vcm_marker("caches-on");
    uint64_t rehash = VCM_FNV1A64_OFFSET_BASIS;
    for (uint64_t i = 0; i < whole_words; ++i) {
        const uint64_t word = words[i] ^ RELOCATION_KEY;
        for (int b = 0; b < 8; ++b)
            rehash = vcm_fnv1a64_step(rehash, (uint8_t)(word >> (8 * b)));
    }
    for (uint64_t i = whole_words * 8; i < length; ++i)
        rehash = vcm_fnv1a64_step(rehash, data[i]);
    if (rehash != stored) {
        vcm_puts("boot-image: payload matched with caches off, but after changing it and turning caches on the "
                 "data read back is stale");
        verdict(0, length);
    }
    vcm_puts("boot-image: payload magic, length and FNV-1a hash match, before and after caches on");
    verdict(1, length);
}
