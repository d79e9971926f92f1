/* args.h - helpers shared by the wafersim commands. */
#ifndef WAFERSIM_ARGS_H
#define WAFERSIM_ARGS_H

#include "sim/wserror.h"

#define CLI_EXIT_USAGE 64

/* Prints err on stderr ("path:line:col: message", or "wafersim: message"
 * when no file is concerned) and returns the exit status for its code. */
int cli_report_error(const ws_error *err);

/* Prints "wafersim: WHAT ARG" and a hint on stderr; returns 64. */
int cli_usage_error(const char *what, const char *arg);

/* Strict parsers of flag values: the whole text, in range; 0 or -1. */
int cli_parse_integer(const char *text, long long min, long long max,
                      long long *out);
int cli_parse_seed(const char *text, unsigned long long *out);
int cli_parse_days(const char *text, double min, double *out);

/* "PROGRAM ARGV..." as one shell-quoted string, for provenance; malloc'd. */
char *cli_join_command_line(const char *program, int argc, char **argv);

/* SCENARIO's file name without directory and extension, + ".h5"; malloc'd. */
char *cli_default_output_path(const char *scenario);

#endif
