/* calendar.c - the event calendar: an implicit binary min-heap.
 *
 * Why a plain binary heap: measured on this kind of machine, it holds about
 * 90 ns per hold at 1e3 pending events; 4-ary heaps, pairing heaps and splay
 * trees did not beat it below 1e6 events, and calendar queues collapse when
 * many timestamps tie (which a fab does: batch tools, shift changes).
 *
 * Sifting moves a hole instead of swapping, so each level costs one 32-byte
 * copy rather than three.  The key is (time, seq); seq is unique, so the
 * order is total and the pop sequence does not depend on the heap layout.
 */
#include "sim/calendar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wserror.h"

/* Small enough to be free, large enough that toy models never regrow. */
#define CALENDAR_MIN_CAPACITY 16

/* The heap holds 16-byte keys: the time, and the insertion sequence with
 * the event's slot in its low SLOT_BITS bits.  Sequences are unique, so
 * the slot never decides an order; the payload stays in its slot while the
 * keys move, which halves the memory a sift moves. */
#define SLOT_BITS 24
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define MAX_PENDING ((size_t)SLOT_MASK + 1)

/* A key compares as one unsigned 128-bit integer: the bits of the time
 * (a non-negative double orders like its bit pattern) above the order.
 * Comparisons are then branch-free, and a sift's child choice, which is a
 * coin toss for the branch predictor, costs no misprediction. */
__extension__ typedef unsigned __int128 heap_key;

static inline heap_key key_make(double time, uint64_t order)
{
    uint64_t bits;
    time += 0.0;        /* -0.0 becomes +0.0 */
    memcpy(&bits, &time, sizeof bits);
    return (heap_key)bits << 64 | order;
}

static inline double key_time(heap_key k)
{
    uint64_t bits = (uint64_t)(k >> 64);
    double time;
    memcpy(&time, &bits, sizeof time);
    return time;
}

typedef struct payload {
    int32_t kind;
    int32_t subject;
    int64_t tag;
} payload;

/* One heap per lane.  The key order is global (time, then the sequence
 * shared by all lanes), so which lane an event goes to changes no result,
 * only how deep the sifts are. */
typedef struct lane {
    heap_key *heap;
    size_t size;
    size_t capacity;
} lane;

/* Above every real key: its time bits would be a NaN. */
#define KEY_NONE (~(heap_key)0)

struct calendar {
    heap_key tops[CALENDAR_LANES];  /* each lane's earliest key or KEY_NONE */
    lane lanes[CALENDAR_LANES];
    payload *slots;
    uint32_t *free_slots;   /* stack of unused slots */
    size_t size;            /* over all lanes */
    size_t capacity;        /* of slots */
    uint64_t next_seq;
    double now;
};

static inline int key_before(const heap_key *a, const heap_key *b)
{
    return *a < *b;
}

calendar *calendar_create(size_t initial_capacity)
{
    calendar *cal = calloc(1, sizeof *cal);

    if (cal == NULL)
        return NULL;
    if (initial_capacity < CALENDAR_MIN_CAPACITY)
        initial_capacity = CALENDAR_MIN_CAPACITY;
    if (initial_capacity > MAX_PENDING)
        initial_capacity = MAX_PENDING;
    int ok = 1;
    for (int l = 0; l < CALENDAR_LANES; l++) {
        lane *ln = &cal->lanes[l];
        /* Lane 0 takes the bulk; the others start small and double. */
        ln->capacity = l == 0 ? initial_capacity : CALENDAR_MIN_CAPACITY;
        ln->heap = malloc(ln->capacity * sizeof *ln->heap);
        ok = ok && ln->heap != NULL;
    }
    cal->slots = malloc(initial_capacity * sizeof *cal->slots);
    cal->free_slots = malloc(initial_capacity * sizeof *cal->free_slots);
    if (!ok || !cal->slots || !cal->free_slots) {
        calendar_destroy(cal);
        return NULL;
    }
    cal->capacity = initial_capacity;
    calendar_reset(cal);
    return cal;
}

void calendar_destroy(calendar *cal)
{
    if (cal == NULL)
        return;
    for (int l = 0; l < CALENDAR_LANES; l++)
        free(cal->lanes[l].heap);
    free(cal->slots);
    free(cal->free_slots);
    free(cal);
}

void calendar_reset(calendar *cal)
{
    cal->size = 0;
    for (int l = 0; l < CALENDAR_LANES; l++) {
        cal->lanes[l].size = 0;
        cal->tops[l] = KEY_NONE;
    }
    /* Restarting the sequence makes a reset calendar behave exactly like a
     * new one, so reusing it across replications changes no result. */
    cal->next_seq = 0;
    cal->now = 0.0;
    /* Free slots: capacity - 1 at the bottom ... 0 on top. */
    for (size_t i = 0; i < cal->capacity; i++)
        cal->free_slots[i] = (uint32_t)(cal->capacity - 1 - i);
}

static int slots_grow(calendar *cal)
{
    size_t old = cal->capacity;
    if (old >= MAX_PENDING)
        return WS_ENOMEM;
    size_t capacity = old * 2 < MAX_PENDING ? old * 2 : MAX_PENDING;
    payload *slots = realloc(cal->slots, capacity * sizeof *slots);
    if (slots == NULL)
        return WS_ENOMEM;
    cal->slots = slots;
    uint32_t *free_slots = realloc(cal->free_slots,
                                   capacity * sizeof *free_slots);
    if (free_slots == NULL)
        return WS_ENOMEM;
    cal->free_slots = free_slots;
    /* The calendar is full when it grows: the new slots are all free. */
    for (size_t i = 0; i < capacity - old; i++)
        free_slots[i] = (uint32_t)(capacity - 1 - i);
    cal->capacity = capacity;
    return 0;
}

static int lane_grow(lane *ln)
{
    /* A lane never holds more than the slots, which are capped. */
    size_t capacity = ln->capacity * 2;
    heap_key *heap = realloc(ln->heap, capacity * sizeof *heap);
    if (heap == NULL)
        return WS_ENOMEM;
    ln->heap = heap;
    ln->capacity = capacity;
    return 0;
}

int calendar_reserve(calendar *cal, uint64_t *seq)
{
    if (cal->next_seq >> (64 - SLOT_BITS) != 0)
        return WS_ESOFTWARE;
    *seq = cal->next_seq++;
    return 0;
}

/* Puts key in the hole at heap[i], moving it up past the keys it goes
 * before; returns where it lands. */
static inline size_t sift_up(heap_key *heap, size_t i, heap_key key)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!key_before(&key, &heap[parent]))
            break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = key;
    return i;
}

/* Inserts the event with sequence number seq, which the caller checked. */
static inline int push_event(calendar *cal, int lane_index, double time,
                             uint64_t seq, int32_t kind, int32_t subject,
                             int64_t tag)
{
    /* The negated test also catches NaN, which compares false with all. */
    if (!(time >= cal->now) || lane_index < 0 || lane_index >= CALENDAR_LANES)
        return WS_ESOFTWARE;
    if (cal->size == cal->capacity) {
        int rc = slots_grow(cal);
        if (rc != 0)
            return rc;
    }
    lane *ln = &cal->lanes[lane_index];
    if (ln->size == ln->capacity) {
        int rc = lane_grow(ln);
        if (rc != 0)
            return rc;
    }
    uint32_t slot = cal->free_slots[cal->capacity - 1 - cal->size];
    cal->size++;
    cal->slots[slot] = (payload){kind, subject, tag};
    heap_key key = key_make(time, seq << SLOT_BITS | slot);
    if (sift_up(ln->heap, ln->size++, key) == 0)
        cal->tops[lane_index] = key;
    return 0;
}

int calendar_push_lane(calendar *cal, int lane_index, double time,
                       int32_t kind, int32_t subject, int64_t tag)
{
    if (cal->next_seq >> (64 - SLOT_BITS) != 0)
        return WS_ESOFTWARE;
    int rc = push_event(cal, lane_index, time, cal->next_seq, kind, subject,
                        tag);
    if (rc == 0)
        cal->next_seq++;
    return rc;
}

int calendar_push_reserved(calendar *cal, int lane_index, double time,
                           uint64_t seq, int32_t kind, int32_t subject,
                           int64_t tag)
{
    if (seq >= cal->next_seq)
        return WS_ESOFTWARE;
    return push_event(cal, lane_index, time, seq, kind, subject, tag);
}

int calendar_push(calendar *cal, double time, int32_t kind, int32_t subject,
                  int64_t tag)
{
    return calendar_push_lane(cal, 0, time, kind, subject, tag);
}

int calendar_pop(calendar *cal, calendar_event *out)
{
    if (cal->size == 0)
        return 0;
    int best = 0;
    for (int l = 1; l < CALENDAR_LANES; l++)
        best = key_before(&cal->tops[l], &cal->tops[best]) ? l : best;
    lane *ln = &cal->lanes[best];
    heap_key *heap = ln->heap;
    heap_key top = heap[0];
    uint32_t slot = (uint32_t)((uint64_t)top & SLOT_MASK);
    cal->now = key_time(top);
    if (out != NULL) {
        const payload *p = &cal->slots[slot];
        out->time = cal->now;
        out->seq = (uint64_t)top >> SLOT_BITS;
        out->kind = p->kind;
        out->subject = p->subject;
        out->tag = p->tag;
    }
    cal->size--;
    cal->free_slots[cal->capacity - 1 - cal->size] = slot;
    size_t n = --ln->size;
    if (n == 0) {
        cal->tops[best] = KEY_NONE;
        return 1;
    }
    /* Floyd's pop: the hole goes down to a leaf taking the smaller child
     * at each level, with no test against the last key, which is nearly
     * always due late and would sink that far anyway; then the last key
     * rises from there.  The key past the end is a sentinel, so a
     * missing right child never wins. */
    heap_key last = heap[n];
    heap[n] = KEY_NONE;
    size_t i = 0;
    for (size_t child = 1; child < n; child = 2 * i + 1) {
        child += (size_t)key_before(&heap[child + 1], &heap[child]);
        heap[i] = heap[child];
        i = child;
    }
    sift_up(heap, i, last);
    cal->tops[best] = heap[0];
    return 1;
}

double calendar_peek_time(const calendar *cal)
{
    if (cal->size == 0)
        return INFINITY;
    heap_key best = cal->tops[0];
    for (int l = 1; l < CALENDAR_LANES; l++)
        if (key_before(&cal->tops[l], &best))
            best = cal->tops[l];
    return key_time(best);
}

double calendar_now(const calendar *cal)
{
    return cal->now;
}

size_t calendar_size(const calendar *cal)
{
    return cal->size;
}
