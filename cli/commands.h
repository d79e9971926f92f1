/* commands.h - the wafersim commands; each takes the arguments after the
 * command word (argv[0] is the command) and returns the exit status. */
#ifndef WAFERSIM_COMMANDS_H
#define WAFERSIM_COMMANDS_H

#include <stdio.h>

/* Prints the text of `wafersim --help`. */
void cli_print_usage(FILE *out);

int command_run(int argc, char **argv);
int command_sweep(int argc, char **argv);
int command_validate(int argc, char **argv);
int command_merge(int argc, char **argv);
int command_capacity(int argc, char **argv);
int command_report(int argc, char **argv);
int command_compare(int argc, char **argv);

#endif
