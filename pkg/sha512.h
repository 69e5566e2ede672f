/* sha512.h: SHA-512 (FIPS 180-4), one shot. The reference plugins name their iptables
 * chains from SHA-512 hashes; the suite computes the same names to find them (nfrules). */
#ifndef CNI_PKG_SHA512_H
#define CNI_PKG_SHA512_H
#include <stddef.h>
#include <stdint.h>

void sha512(const void *data, size_t len, uint8_t out[static 64]);
/* The hash in lowercase hex, NUL-terminated. */
void sha512_hex(const void *data, size_t len, char out[static 129]);
#endif
