/* stream.h - independent, reproducible random streams.
 *
 * Every stochastic source of a model (a product's releases, a tool group's
 * process times, a tool's failures, ...) draws from its own gsl_rng.  Its
 * seed is a 64-bit key mixed from (base seed, scenario index, replication
 * index, stream id) - never from a thread or rank - so results do not depend
 * on the thread count, and replication r of every scenario sees the same
 * numbers (common random numbers).
 *
 * GSL's own generators take 32-bit seeds (mt19937 reduces seeds mod 2^32;
 * 10^5 random 32-bit seeds collide with probability ~0.69), so streams use
 * xoshiro256++ wrapped as a gsl_rng_type: the full 64-bit key seeds its
 * 256-bit state through splitmix64, and every gsl_ran_* function works on it.
 */
#ifndef WAFERSIM_STREAM_H
#define WAFERSIM_STREAM_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* xoshiro256++ as a GSL generator type.  gsl_rng_set(r, s) uses all 64 bits
 * of s (unsigned long is 64 bits on the LP64 platforms we support). */
extern const gsl_rng_type *const stream_rng_type;

/* The 64-bit seed of one stream: a strong mix (splitmix64 finaliser chained
 * over the four inputs) so that nearby inputs give unrelated seeds. */
uint64_t stream_key(uint64_t base_seed, uint32_t scenario, uint32_t replication,
                    uint64_t stream_id);

/* A new generator seeded with stream_key(...); NULL when out of memory.
 * Free it with gsl_rng_free(). */
gsl_rng *stream_create(uint64_t base_seed, uint32_t scenario,
                       uint32_t replication, uint64_t stream_id);

#endif
