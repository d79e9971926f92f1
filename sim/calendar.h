/* calendar.h - the event calendar and simulation clock.
 *
 * Binary min-heaps (lanes, below) of small fixed-size events ordered by
 * (time, insertion sequence): events at equal times come out in the order
 * they were pushed, so a run is reproducible whatever the heap layout.
 * Push and pop are O(log n).  At most 2^24 (16.7 million) events may be
 * pending at once, and a calendar takes 2^40 (10^12) pushes and
 * reservations between resets; times are non-negative.  The calendar owns
 * its storage; it grows by doubling, so a replication that reserves enough
 * capacity up front never allocates in the event loop.  One calendar per
 * replication; not shared across threads.
 */
#ifndef WAFERSIM_CALENDAR_H
#define WAFERSIM_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

typedef struct calendar calendar;

typedef struct calendar_event {
    double time;
    uint64_t seq;     /* insertion sequence, breaks ties in time */
    int32_t kind;     /* meaning chosen by the model */
    int32_t subject;  /* e.g. an entity index; meaning chosen by the model */
    int64_t tag;      /* free payload, e.g. a version to detect stale events */
} calendar_event;

/* Returns NULL when out of memory. */
calendar *calendar_create(size_t initial_capacity);
void calendar_destroy(calendar *cal);

/* Removes every pending event and sets the clock back to 0. */
void calendar_reset(calendar *cal);

/* Schedules an event.  Returns 0, WS_ENOMEM, or WS_ESOFTWARE when time is
 * NaN or earlier than the current clock (time never goes backwards). */
int calendar_push(calendar *cal, double time, int32_t kind, int32_t subject,
                  int64_t tag);

/* Lanes are separate heaps under one order: an event's lane never changes
 * when it comes out, only the cost.  Putting frequent short-lived events
 * in a lane of their own keeps their heap shallow, away from the many
 * events due far ahead.  calendar_push uses lane 0; lane_index is
 * 0 .. CALENDAR_LANES - 1, else WS_ESOFTWARE. */
#define CALENDAR_LANES 4
int calendar_push_lane(calendar *cal, int lane_index, double time,
                       int32_t kind, int32_t subject, int64_t tag);

/* Takes the next insertion sequence number without pushing, for an event
 * the model may never need: pushed later with calendar_push_reserved, it
 * comes out exactly where a push now would have put it.  A model can so
 * keep work that only matters once something else happens out of the
 * calendar and still order it against the events (compare with
 * calendar_event.seq at equal times).  Returns 0 or WS_ESOFTWARE when the
 * sequence is exhausted. */
int calendar_reserve(calendar *cal, uint64_t *seq);

/* Pushes with a sequence number from calendar_reserve, each used once.
 * Returns as calendar_push; WS_ESOFTWARE also for a sequence number not
 * yet handed out. */
int calendar_push_reserved(calendar *cal, int lane_index, double time,
                           uint64_t seq, int32_t kind, int32_t subject,
                           int64_t tag);

/* Pops the earliest event into *out and advances the clock to its time.
 * Returns 1 when an event was popped, 0 when the calendar is empty. */
int calendar_pop(calendar *cal, calendar_event *out);

/* Time of the earliest pending event; INFINITY when empty. */
double calendar_peek_time(const calendar *cal);

/* The clock: time of the last popped event (0 before the first pop). */
double calendar_now(const calendar *cal);

size_t calendar_size(const calendar *cal);

#endif
