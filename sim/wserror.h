/* wserror.h - errors as values.
 *
 * Every fallible function in wafersim returns 0 on success or a negative
 * status below, and fills a ws_error with a message and, for input files,
 * the position (1-based line and column) it refers to.  Only main() prints
 * and turns a status into an exit code (sysexits.h numbering).
 */
#ifndef WAFERSIM_WSERROR_H
#define WAFERSIM_WSERROR_H

#include <stddef.h>

enum ws_status {
    WS_OK = 0,
    WS_EUSAGE = -64,      /* bad command line */
    WS_EDATA = -65,       /* bad scenario or route data */
    WS_ENOINPUT = -66,    /* input file missing or unreadable */
    WS_ESOFTWARE = -70,   /* internal error or violated invariant */
    WS_ENOMEM = -71,      /* out of memory (EX_OSERR) */
    WS_ECANTCREAT = -73,  /* cannot create an output file */
    WS_EIO = -74,         /* I/O error while writing */
    WS_EINTERRUPTED = -75 /* stopped on request (EX_TEMPFAIL: resume later) */
};

typedef struct ws_error {
    int code;             /* one of enum ws_status, 0 when unset */
    int line;             /* 1-based; 0 when no position applies */
    int col;              /* 1-based; 0 when no column applies */
    char path[1024];      /* file the message refers to, "" if none */
    char message[1024];
} ws_error;

/* Clears an error record. */
void ws_error_clear(ws_error *err);

/* Fills err (when non-NULL) and returns code, so callers can write
 * `return ws_error_set(err, WS_EDATA, path, line, col, "...", ...);`.
 * path may be NULL; line/col 0 mean "no position". */
int ws_error_set(ws_error *err, int code, const char *path, int line, int col,
                 const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Writes "path:line:col: message", "path:line: message", "path: message"
 * or "message", depending on what is known. */
void ws_error_format(const ws_error *err, char *buf, size_t size);

/* The process exit status for a status code: 0 for WS_OK, -code otherwise. */
int ws_error_exit_status(int code);

#endif
