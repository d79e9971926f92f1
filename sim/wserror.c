/* wserror.c - errors as values (see wserror.h). */
#include "sim/wserror.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ws_error_clear(ws_error *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->line = 0;
    err->col = 0;
    err->path[0] = '\0';
    err->message[0] = '\0';
}

int ws_error_set(ws_error *err, int code, const char *path, int line, int col,
                 const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    err->line = line > 0 ? line : 0;
    /* A column without a line would print as "path:0:col", which no editor
     * understands; drop it instead. */
    err->col = (line > 0 && col > 0) ? col : 0;
    snprintf(err->path, sizeof err->path, "%s", path != NULL ? path : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

void ws_error_format(const ws_error *err, char *buf, size_t size)
{
    if (buf == NULL || size == 0)
        return;
    if (err == NULL) {
        buf[0] = '\0';
        return;
    }
    if (err->path[0] == '\0')
        snprintf(buf, size, "%s", err->message);
    else if (err->line <= 0)
        snprintf(buf, size, "%s: %s", err->path, err->message);
    else if (err->col <= 0)
        snprintf(buf, size, "%s:%d: %s", err->path, err->line, err->message);
    else
        snprintf(buf, size, "%s:%d:%d: %s", err->path, err->line, err->col,
                 err->message);
}

int ws_error_exit_status(int code)
{
    if (code == 0)
        return 0;
    /* Statuses are negative by contract; a positive one is a bug in the
     * caller, and returning it negated would wrap to a meaningless exit
     * status, so report it as an internal error. */
    if (code > 0)
        return -WS_ESOFTWARE;
    return -code;
}
