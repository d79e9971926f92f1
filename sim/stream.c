/* stream.c - xoshiro256++ as a gsl_rng_type, and stream keys.
 *
 * xoshiro256++ (Blackman and Vigna, 2019): 256 bits of state, period
 * 2^256 - 1, passes BigCrush, about 1 ns per 64-bit draw.  Seeding through
 * splitmix64 is the authors' recommendation: it turns any 64-bit key,
 * including small consecutive ones, into a well-mixed state.
 */
#include "sim/stream.h"

#include <stddef.h>

_Static_assert(sizeof(unsigned long) >= sizeof(uint64_t),
               "gsl_rng_set must carry a 64-bit seed in an unsigned long");

typedef struct xoshiro_state {
    uint64_t s[4];
} xoshiro_state;

#define GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* The splitmix64 output function (Stafford's "Mix13"): a bijection on
 * 64-bit words in which each input bit flips each output bit with
 * probability close to 1/2. */
static uint64_t splitmix64_finalise(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(xoshiro_state *st)
{
    uint64_t *s = st->s;
    const uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void xoshiro_set(void *vstate, unsigned long seed)
{
    xoshiro_state *st = vstate;
    uint64_t x = (uint64_t)seed;
    int i;

    for (i = 0; i < 4; i++) {
        x += GOLDEN_GAMMA;
        st->s[i] = splitmix64_finalise(x);
    }
    /* The all-zero state is the one fixed point of xoshiro.  Four
     * consecutive splitmix64 outputs cannot all be zero, but the guard
     * costs nothing and keeps the generator safe if seeding ever changes. */
    if ((st->s[0] | st->s[1] | st->s[2] | st->s[3]) == 0)
        st->s[0] = GOLDEN_GAMMA;
}

static unsigned long xoshiro_get(void *vstate)
{
    /* The upper bits are the strongest in the ++ scrambler. */
    return (unsigned long)(xoshiro_next(vstate) >> 32);
}

static double xoshiro_get_double(void *vstate)
{
    /* 53 random bits give every double in [0, 1) on a 2^-53 grid. */
    return (double)(xoshiro_next(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro256pp_type = {
    "xoshiro256pp",
    0xffffffffUL,
    0,
    sizeof(xoshiro_state),
    xoshiro_set,
    xoshiro_get,
    xoshiro_get_double
};

const gsl_rng_type *const stream_rng_type = &xoshiro256pp_type;

uint64_t stream_key(uint64_t base_seed, uint32_t scenario, uint32_t replication,
                    uint64_t stream_id)
{
    /* Each step is a bijection of the running hash for a fixed input, so
     * keys that differ in one input never collide, and the final mix
     * spreads any single-bit change over the whole word.  Adding the golden
     * gamma before each step keeps a zero input from being a no-op. */
    uint64_t h = splitmix64_finalise(base_seed + GOLDEN_GAMMA);

    h = splitmix64_finalise((h + GOLDEN_GAMMA) ^ (uint64_t)scenario);
    h = splitmix64_finalise((h + GOLDEN_GAMMA) ^ (uint64_t)replication);
    h = splitmix64_finalise((h + GOLDEN_GAMMA) ^ stream_id);
    return h;
}

gsl_rng *stream_create(uint64_t base_seed, uint32_t scenario,
                       uint32_t replication, uint64_t stream_id)
{
    gsl_rng *r = gsl_rng_alloc(stream_rng_type);

    if (r == NULL)
        return NULL;
    gsl_rng_set(r, (unsigned long)stream_key(base_seed, scenario, replication,
                                             stream_id));
    return r;
}
