/* args.c - helpers shared by the wafersim commands: strict parsing of flag
 * values, error reporting, provenance strings.  Only the cli/ layer prints. */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"

int cli_report_error(const ws_error *err)
{
    char buf[2200];
    ws_error_format(err, buf, sizeof buf);
    if (err->path[0])
        fprintf(stderr, "%s\n", buf);
    else
        fprintf(stderr, "wafersim: %s\n", buf);
    return ws_error_exit_status(err->code);
}

int cli_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "wafersim: %s%s\n(wafersim --help lists the commands and flags)\n",
            what, arg);
    return CLI_EXIT_USAGE;
}

int cli_parse_integer(const char *text, long long min, long long max,
                         long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_seed(const char *text, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '+')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_days(const char *text, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v) || v < min ||
        v > MODEL_MAX_HORIZON_DAYS)
        return -1;
    *out = v;
    return 0;
}

/* The command line as one shell-quoted string, for provenance. */
char *cli_join_command_line(const char *program, int argc, char **argv)
{
    size_t n = strlen(program) + 2;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    p += sprintf(p, "%s", program);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = a[0] != '\0' &&
                    strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789_-./=:,+@%") == strlen(a);
        *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* SCENARIO's file name without directory and extension, + ".h5"; a
 * directory (--smt2020 DIR/) is named by its last component. */
char *cli_default_output_path(const char *scenario)
{
    size_t end = strlen(scenario);
    while (end > 1 && scenario[end - 1] == '/')
        end--;
    const char *base = scenario + end;
    while (base > scenario && base[-1] != '/')
        base--;
    size_t len = (size_t)(scenario + end - base);
    const char *dot = NULL;
    for (const char *c = base; c < scenario + end; c++)
        if (*c == '.')
            dot = c;
    if (dot && dot != base)
        len = (size_t)(dot - base);
    char *out = malloc(len + 4);
    if (out) {
        memcpy(out, base, len);
        memcpy(out + len, ".h5", 4);
    }
    return out;
}

