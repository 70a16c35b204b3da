/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input
 * PRF", 2012): a keyed 64-bit hash for tables whose keys come from the
 * network. Without the key, an attacker cannot choose keys that collide
 * (hash flooding), which an unkeyed hash such as FNV-1a allows.
 */
#ifndef SIPXMPP_SIPHASH_H
#define SIPXMPP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit key as the two little-endian words k0, k1 of the paper. */
struct siphash_key {
	uint64_t k0, k1;
};

/* siphash.c */
void siphash_key_from_bytes(struct siphash_key *k,
    const unsigned char bytes[16]);
uint64_t siphash24(const struct siphash_key *k, const void *msg, size_t len);

#endif
