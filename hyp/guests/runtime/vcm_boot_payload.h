/* The boot payload contract between a host toolstack and the boot-image guest. Plain C preprocessor
 * definitions and one static inline function, so guest C and host C++ can include the same header.
 *
 * Before the guest starts, the toolstack writes into guest RAM at VCM_BOOT_PAYLOAD_IPA (at most
 * VCM_BOOT_PAYLOAD_REGION_BYTES in all):
 *   offset 0        8 bytes  magic VCM_BOOT_PAYLOAD_MAGIC (a little-endian 64-bit word: the bytes in
 *                            memory are "DLYAPMCV", i.e. "VCMPAYLD" read as a big-endian number)
 *   offset 8        8 bytes  length N of the data, little-endian, at most VCM_BOOT_PAYLOAD_MAX_DATA_BYTES
 *   offset 16       N bytes  data
 *   offset 16 + N   8 bytes  FNV-1a 64-bit hash of the N data bytes, little-endian (not necessarily
 *                            8-byte aligned: read it byte by byte) */
#ifndef VCM_BOOT_PAYLOAD_H
#define VCM_BOOT_PAYLOAD_H

#include <stdint.h>

#define VCM_BOOT_PAYLOAD_IPA 0x40800000ull          /* 8 MiB into guest RAM */
#define VCM_BOOT_PAYLOAD_REGION_BYTES 0x10000ull    /* 64 KiB */
#define VCM_BOOT_PAYLOAD_MAGIC 0x56434D5041594C44ull /* "VCMPAYLD" */
#define VCM_BOOT_PAYLOAD_HEADER_BYTES 16ull
#define VCM_BOOT_PAYLOAD_HASH_BYTES 8ull
#define VCM_BOOT_PAYLOAD_MAX_DATA_BYTES \
    (VCM_BOOT_PAYLOAD_REGION_BYTES - VCM_BOOT_PAYLOAD_HEADER_BYTES - VCM_BOOT_PAYLOAD_HASH_BYTES)

#define VCM_FNV1A64_OFFSET_BASIS 0xcbf29ce484222325ull
#define VCM_FNV1A64_PRIME 0x00000100000001b3ull

/* One FNV-1a step: start from VCM_FNV1A64_OFFSET_BASIS and feed every byte in order. */
static inline uint64_t vcm_fnv1a64_step(uint64_t hash, uint8_t byte)
{
    return (hash ^ byte) * VCM_FNV1A64_PRIME;
}

/* FNV-1a 64 of [data, data + length). (No casts, so it compiles cleanly as C and as C++ with the host's
 * -Wold-style-cast -Wconversion.) */
static inline uint64_t vcm_fnv1a64(const uint8_t *data, uint64_t length)
{
    uint64_t hash = VCM_FNV1A64_OFFSET_BASIS;
    for (uint64_t i = 0; i < length; ++i)
        hash = vcm_fnv1a64_step(hash, data[i]);
    return hash;
}

#endif /* VCM_BOOT_PAYLOAD_H */
