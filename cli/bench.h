/* bench.h - `wafersim bench`: simulation speed on a synthetic re-entrant line. */
#ifndef WAFERSIM_BENCH_H
#define WAFERSIM_BENCH_H

/* Parses the bench options in argv (after the word "bench"), runs, prints
 * a table on stdout.  Returns a process exit status. */
int bench_main(int argc, char **argv);

#endif
