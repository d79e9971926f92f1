/* scenario.c - reads a scenario YAML file into a model (see scenario.h and
 * docs/scenario-format.md).
 *
 * libfyaml's document API in 0.7.12 gives no positions for mappings and
 * sequences, and every message here must name line and column, so the
 * reader runs libfyaml's event parser and builds its own small tree with
 * a position on every node.  The tree lives in one arena, freed at once.
 * Reading then walks the fixed shape of the format, checking every key.
 *
 * Order of checks: the bytes (UTF-8, no control characters), then YAML
 * syntax (libfyaml's own message and position), then the tree (one
 * document, known aliases, no tags, no duplicate keys), then the settings'
 * paths, then the content.
 *
 * Settings (--set PATH=VALUE, and the values of a sweep's points) change
 * copies of the tree's nodes before the content is read, so every check
 * of the reader applies to a set value with its own message; nodes a
 * setting wrote carry its origin, which errors report instead of a file
 * position.  A sweep's design is checked by building every point from one
 * parse of the file.
 */
#include "models/scenario.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <libfyaml.h>

#include "models/route_csv.h"
#include "sim/date.h"
#include "sim/stream.h"

/* 365.2425 / 12: the mean Gregorian month, in days. */
#define DAYS_PER_MONTH 30.436875

/* --- arena -------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    max_align_t data[];
} arena_block;

typedef struct arena {
    arena_block *head;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    arena_block *b = a->head;

    n = (n + align - 1) / align * align;
    if (!b || b->size - b->used < n) {
        size_t size = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    b->used += n;
    return (char *)b->data + b->used - n;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* --- YAML tree ---------------------------------------------------------- */

enum ynode_kind { YNODE_SCALAR, YNODE_MAPPING, YNODE_SEQUENCE, YNODE_ALIAS };

typedef struct yorigin yorigin;       /* where a setting was written */
typedef struct yoverride yoverride;   /* a setting's change to a CSV cell */

/* Mapping children alternate key, value; aliases point at their anchor's
 * node instead of copying it, so an alias bomb costs nothing to build
 * and the reader's fixed depth bounds what it costs to read.  Settings
 * never change a parsed node: they copy the nodes on their path (see
 * "settings" below), so one parsed tree serves every point of a sweep. */
typedef struct ynode {
    enum ynode_kind kind;
    int line;                   /* 1-based */
    int col;
    int plain;                  /* scalar written without quotes */
    const char *text;           /* scalar, NUL-terminated */
    size_t length;
    struct ynode *first;
    struct ynode *last;
    struct ynode *next;
    struct ynode *target;       /* alias */
    size_t count;               /* children */
    const yorigin *origin;      /* written by a setting, else NULL */
    const yoverride *overrides; /* a CSV route's cells set, newest first */
    unsigned session;           /* whose copy the children (or the alias
                                 * target) are: see own_list */
} ynode;

typedef struct yanchor {
    const char *name;
    size_t length;
    ynode *node;
} yanchor;

typedef struct yframe {
    ynode *node;
    const char *anchor;         /* registered when the collection ends */
    size_t anchor_length;
} yframe;

typedef struct ybuilder {
    arena *arena;
    const char *input;          /* the text being parsed */
    size_t input_length;
    ynode *root;
    int documents;
    yframe *stack;
    size_t depth;
    size_t stack_capacity;
    yanchor *anchors;
    size_t nanchors;
    size_t anchors_capacity;
    int last_line;
    int last_col;
    int nomem;
    int error_line;             /* first problem found, 0 when none */
    int error_col;
    char error[512];
} ybuilder;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void builder_fail(ybuilder *b, int line, int col, const char *fmt, ...)
{
    va_list ap;

    if (b->error_line != 0)
        return;
    b->error_line = line;
    b->error_col = col;
    va_start(ap, fmt);
    vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
}

static const char *copy_text(arena *a, const char *text, size_t length)
{
    char *s = arena_alloc(a, length + 1);
    if (s) {
        if (length)
            memcpy(s, text, length);
        s[length] = '\0';
    }
    return s;
}

/* Event marks are 0-based; an empty scalar has no token and no mark, and
 * gets the position of what came before it (its key). */
static void event_position(ybuilder *b, struct fy_event *e, int *line,
                           int *col)
{
    const struct fy_mark *m = fy_event_start_mark(e);

    if (m && m->line >= 0 && m->column >= 0) {
        b->last_line = m->line + 1;
        b->last_col = m->column + 1;
    }
    *line = b->last_line;
    *col = b->last_col;
}

/* libfyaml marks a quoted scalar at its first character inside the
 * quotes and an alias at its name after '*'; a message should point at
 * what the user wrote first, the quote or the '*'. */
static int opening_col(const ybuilder *b, struct fy_event *e, int col,
                       const char *openers)
{
    const struct fy_mark *m = fy_event_start_mark(e);

    if (m && m->input_pos > 0 && m->input_pos <= b->input_length &&
        col > 1 && strchr(openers, b->input[m->input_pos - 1]))
        return col - 1;
    return col;
}

static ynode *builder_node(ybuilder *b, enum ynode_kind kind, int line,
                           int col)
{
    ynode *n = arena_alloc(b->arena, sizeof *n);

    if (!n) {
        b->nomem = 1;
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

static void builder_attach(ybuilder *b, ynode *n)
{
    if (b->depth == 0) {
        if (!b->root)
            b->root = n;
        return;
    }
    {
        ynode *parent = b->stack[b->depth - 1].node;
        if (parent->last)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
        parent->count++;
    }
}

/* The anchor's name copied into the arena, or NULL when there is none. */
static const char *anchor_name(ybuilder *b, struct fy_token *anchor,
                               size_t *length)
{
    const char *name, *copy;

    *length = 0;
    if (!anchor || !(name = fy_token_get_text(anchor, length)))
        return NULL;
    copy = copy_text(b->arena, name, *length);
    if (!copy)
        b->nomem = 1;
    return copy;
}

static void builder_register(ybuilder *b, const char *name, size_t length,
                             ynode *n)
{
    if (b->nanchors == b->anchors_capacity) {
        size_t cap = b->anchors_capacity ? b->anchors_capacity * 2 : 16;
        yanchor *p = realloc(b->anchors, cap * sizeof *p);
        if (!p) {
            b->nomem = 1;
            return;
        }
        b->anchors = p;
        b->anchors_capacity = cap;
    }
    b->anchors[b->nanchors].name = name;
    b->anchors[b->nanchors].length = length;
    b->anchors[b->nanchors].node = n;
    b->nanchors++;
}

static ynode *resolve(ynode *n)
{
    return n && n->kind == YNODE_ALIAS ? n->target : n;
}

typedef struct key_ref {
    const ynode *key;           /* resolved scalar */
    const ynode *at;            /* as written, for its position */
} key_ref;

static int compare_key_refs(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    size_t n = x->key->length < y->key->length ? x->key->length
                                               : y->key->length;
    int c = memcmp(x->key->text, y->key->text, n);

    if (c != 0)
        return c;
    if (x->key->length != y->key->length)
        return x->key->length < y->key->length ? -1 : 1;
    if (x->at->line != y->at->line)
        return x->at->line < y->at->line ? -1 : 1;
    return (x->at->col > y->at->col) - (x->at->col < y->at->col);
}

/* Reports the earliest second occurrence of a key.  Sorting keeps this
 * O(n log n) for the 1e5-entry mappings the limits allow. */
static void builder_check_duplicates(ybuilder *b, ynode *map)
{
    key_ref *keys;
    size_t n = 0;
    const key_ref *dup = NULL, *first = NULL;

    if (map->count < 4)         /* one pair: nothing to compare */
        return;
    keys = malloc(map->count / 2 * sizeof *keys);
    if (!keys) {
        b->nomem = 1;
        return;
    }
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key && key->kind == YNODE_SCALAR) {
            keys[n].key = key;
            keys[n].at = k;
            n++;
        }
    }
    qsort(keys, n, sizeof *keys, compare_key_refs);
    for (size_t i = 1; i < n; i++) {
        const key_ref *x = &keys[i - 1], *y = &keys[i];
        if (x->key->length != y->key->length ||
            memcmp(x->key->text, y->key->text, x->key->length) != 0)
            continue;
        if (!dup || y->at->line < dup->at->line ||
            (y->at->line == dup->at->line && y->at->col < dup->at->col)) {
            dup = y;
            first = x;
            /* x may itself be a repeat; find the first occurrence. */
            for (size_t j = i - 1; j > 0 &&
                 keys[j - 1].key->length == y->key->length &&
                 memcmp(keys[j - 1].key->text, y->key->text,
                        y->key->length) == 0; j--)
                first = &keys[j - 1];
        }
    }
    if (dup)
        builder_fail(b, dup->at->line, dup->at->col,
                     "duplicate key '%s' (first at line %d, column %d)",
                     dup->key->text, first->at->line, first->at->col);
    free(keys);
}

static void builder_push(ybuilder *b, ynode *n, struct fy_token *anchor)
{
    yframe *f;

    if (b->depth == b->stack_capacity) {
        size_t cap = b->stack_capacity ? b->stack_capacity * 2 : 16;
        yframe *p = realloc(b->stack, cap * sizeof *p);
        if (!p) {
            b->nomem = 1;
            return;
        }
        b->stack = p;
        b->stack_capacity = cap;
    }
    f = &b->stack[b->depth++];
    f->node = n;
    f->anchor = anchor_name(b, anchor, &f->anchor_length);
}

static void builder_pop(ybuilder *b)
{
    yframe *f;

    if (b->depth == 0)
        return;
    f = &b->stack[--b->depth];
    if (f->node->kind == YNODE_MAPPING)
        builder_check_duplicates(b, f->node);
    /* Registered only now, so an alias inside its own anchor's collection
     * is unknown rather than a cycle. */
    if (f->anchor)
        builder_register(b, f->anchor, f->anchor_length, f->node);
}

/* Tags would let a file retype values behind the format's back; the
 * message points at the tag itself, before the node it applies to. */
static void builder_tag(ybuilder *b, struct fy_token *tag, int line, int col)
{
    const struct fy_mark *m;

    if (!tag)
        return;
    m = fy_token_start_mark(tag);
    if (m && m->line >= 0 && m->column >= 0) {
        line = m->line + 1;
        col = m->column + 1;
    }
    builder_fail(b, line, col, "YAML tags (such as !!str) are not supported");
}

static void builder_event(ybuilder *b, struct fy_event *e)
{
    int line, col;
    ynode *n;

    event_position(b, e, &line, &col);
    if (b->nomem)
        return;
    switch (e->type) {
    case FYET_DOCUMENT_START:
        b->documents++;
        if (b->documents == 2)
            builder_fail(b, line, col,
                         "a scenario is one YAML document; this starts a "
                         "second one");
        return;
    case FYET_SCALAR: {
        size_t length = 0;
        const char *text = e->scalar.value
                               ? fy_token_get_text(e->scalar.value, &length)
                               : "";
        if (b->documents > 1)
            return;
        if (e->scalar.value &&
            fy_scalar_token_get_style(e->scalar.value) != FYSS_PLAIN)
            col = opening_col(b, e, col, "\"'");
        builder_tag(b, e->scalar.tag, line, col);
        n = builder_node(b, YNODE_SCALAR, line, col);
        if (!n)
            return;
        n->text = copy_text(b->arena, text ? text : "", text ? length : 0);
        n->length = text ? length : 0;
        n->plain = !e->scalar.value ||
                   fy_scalar_token_get_style(e->scalar.value) == FYSS_PLAIN;
        if (!n->text) {
            b->nomem = 1;
            return;
        }
        builder_attach(b, n);
        {
            size_t anchor_length;
            const char *anchor = anchor_name(b, e->scalar.anchor,
                                             &anchor_length);
            if (anchor)
                builder_register(b, anchor, anchor_length, n);
        }
        return;
    }
    case FYET_ALIAS: {
        size_t length = 0;
        const char *name = e->alias.anchor
                               ? fy_token_get_text(e->alias.anchor, &length)
                               : NULL;
        ynode *target = NULL;
        if (b->documents > 1)
            return;
        col = opening_col(b, e, col, "*");
        for (size_t i = b->nanchors; name && i-- > 0;) {
            if (b->anchors[i].length == length &&
                memcmp(b->anchors[i].name, name, length) == 0) {
                target = b->anchors[i].node;
                break;
            }
        }
        if (!target) {
            builder_fail(b, line, col, "unknown alias '*%.*s'",
                         name ? (int)length : 0, name ? name : "");
            /* Keep the tree well formed for the rest of the stream. */
            target = builder_node(b, YNODE_SCALAR, line, col);
            if (!target)
                return;
            target->text = "";
            target->plain = 1;
        }
        n = builder_node(b, YNODE_ALIAS, line, col);
        if (!n)
            return;
        n->target = target;
        builder_attach(b, n);
        return;
    }
    case FYET_MAPPING_START:
    case FYET_SEQUENCE_START: {
        int mapping = e->type == FYET_MAPPING_START;
        if (b->documents > 1)
            return;
        builder_tag(b, mapping ? e->mapping_start.tag : e->sequence_start.tag,
                    line, col);
        n = builder_node(b, mapping ? YNODE_MAPPING : YNODE_SEQUENCE, line,
                         col);
        if (!n)
            return;
        builder_attach(b, n);
        builder_push(b, n, mapping ? e->mapping_start.anchor
                                   : e->sequence_start.anchor);
        return;
    }
    case FYET_MAPPING_END:
    case FYET_SEQUENCE_END:
        if (b->documents > 1)
            return;
        builder_pop(b);
        return;
    default:
        return;
    }
}

/* libfyaml output goes nowhere: library code prints nothing, and the
 * collected errors carry everything a message needs. */
static void diag_sink(struct fy_diag *diag, void *user, const char *buf,
                      size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* Parses text into b's tree, or fills err with the first syntax or tree
 * problem. */
static int yaml_parse(ybuilder *b, const char *text, size_t length,
                      const char *path, ws_error *err)
{
    struct fy_diag_cfg dcfg;
    struct fy_parse_cfg pcfg;
    struct fy_diag *diag;
    struct fy_parser *parser;
    struct fy_event *e;
    int rc = 0;

    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_sink;
    dcfg.user = NULL;
    dcfg.colorize = false;
    diag = fy_diag_create(&dcfg);
    if (!diag)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    fy_diag_set_collect_errors(diag, true);

    memset(&pcfg, 0, sizeof pcfg);
    pcfg.flags = FYPCF_QUIET | FYPCF_JSON_NONE;
    pcfg.diag = diag;
    parser = fy_parser_create(&pcfg);
    if (!parser || fy_parser_set_string(parser, text, length) != 0) {
        if (parser)
            fy_parser_destroy(parser);
        fy_diag_destroy(diag);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    /* Drain the whole stream even after a tree problem: a syntax error
     * anywhere is reported first, since it can explain the rest. */
    while ((e = fy_parser_parse(parser)) != NULL) {
        builder_event(b, e);
        fy_parser_event_free(parser, e);
    }
    int leak_parser = 0;
    if (fy_parser_get_stream_error(parser)) {
        struct fy_diag_error *de;
        void *it = NULL;
        int line = b->last_line > 0 ? b->last_line : 1;
        int col = b->last_col > 0 ? b->last_col : 1;
        const char *msg = "syntax error";

        while ((de = fy_diag_errors_iterate(diag, &it)) != NULL) {
            if (de->type >= FYET_ERROR) {
                if (de->line > 0)
                    line = de->line;
                if (de->column > 0)
                    col = de->column;
                if (de->msg)
                    msg = de->msg;
                break;
            }
        }
        /* libfyaml 0.7.12 crashes freeing a parser that stopped on a tab
         * used as indentation after an explicit key ("? a:<TAB>?", found
         * by fuzz_scenario; its indent stack is left inconsistent).  Such
         * a parser is left allocated: a few kB, once per refused file. */
        leak_parser = strstr(msg, "tab") != NULL;
        rc = ws_error_set(err, WS_EDATA, path, line, col, "invalid YAML: %s",
                          msg);
    } else if (b->nomem) {
        rc = ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    } else if (b->error_line != 0) {
        rc = ws_error_set(err, WS_EDATA, path, b->error_line, b->error_col,
                          "%s", b->error);
    }
    if (!leak_parser)
        fy_parser_destroy(parser);
    fy_diag_destroy(diag);
    return rc;
}

/* --- reading the tree -------------------------------------------------- */

typedef struct reader {
    const char *path;           /* the scenario, as given */
    size_t dir_length;          /* of path up to and including the last / */
    model *m;
    ws_error *err;
    double unit_days;           /* time_unit */
    int64_t lot_size;           /* default for products */
    int64_t total_steps;        /* in the routes read so far */
    route_groups groups;
    unsigned *sessions;         /* the tree's count of setting sessions */
    const model *cache;         /* route files read already, or NULL */
    int check_sweep;            /* read the sweep section too */
} reader;

/* Where a setting was written: "--set PATH=VALUE" (line 0) or a file. */
struct yorigin {
    const char *path;
    int line;
    int col;
};

struct yoverride {
    route_override change;
    const yoverride *next;      /* an older one */
};

/* Errors about a node written by a setting point at the setting. */
static const char *node_path(const reader *r, const ynode *n)
{
    return n && n->origin ? n->origin->path : r->path;
}

static int node_line(const ynode *n)
{
    return n->origin ? n->origin->line : n->line;
}

static int node_col(const ynode *n)
{
    return n->origin ? n->origin->col : n->col;
}

static route_where node_where(const reader *r, const ynode *n)
{
    route_where w;

    w.path = node_path(r, n);
    w.line = node_line(n);
    w.col = node_col(n);
    return w;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(reader *r, const ynode *at, const char *fmt, ...)
{
    char message[sizeof r->err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return ws_error_set(r->err, WS_EDATA, node_path(r, at),
                        at ? node_line(at) : 1, at ? node_col(at) : 1, "%s",
                        message);
}

/* YAML's plain null; a setting's value is plain text, so null too. */
static int text_is_null(const char *text)
{
    return text[0] == '\0' || strcmp(text, "~") == 0 ||
           strcmp(text, "null") == 0 || strcmp(text, "Null") == 0 ||
           strcmp(text, "NULL") == 0;
}

static int is_null(const ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR || !n->plain)
        return 0;
    return n->length == 0 || text_is_null(n->text);
}

static const char *describe(const ynode *n)
{
    if (is_null(n))
        return "nothing (null)";
    switch (n->kind) {
    case YNODE_MAPPING:
        return "a mapping";
    case YNODE_SEQUENCE:
        return "a sequence";
    default:
        return "a scalar";
    }
}

static int key_is(const ynode *key, const char *name)
{
    return strlen(name) == key->length &&
           memcmp(key->text, name, key->length) == 0;
}

/* Every key of map must be a string among known. */
static int check_keys(reader *r, ynode *map, const char *const *known,
                      size_t count)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        const char *hint;
        size_t i;

        if (key->kind != YNODE_SCALAR)
            return fail(r, k, "a key must be a string, found %s",
                        describe(key));
        for (i = 0; i < count; i++)
            if (key_is(key, known[i]))
                break;
        if (i < count)
            continue;
        if (key_is(key, "<<"))
            return fail(r, k, "merge keys (<<) are not supported");
        hint = route_csv_suggest(key->text, known, count);
        return fail(r, k, "unknown key '%s'%s%s%s", key->text,
                    hint ? " (did you mean '" : "", hint ? hint : "",
                    hint ? "'?)" : "");
    }
    return 0;
}

/* The value of key in map (resolved), or NULL; *key_node is the key. */
static ynode *lookup(ynode *map, const char *name, ynode **key_node)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key->kind == YNODE_SCALAR && key_is(key, name)) {
            if (key_node)
                *key_node = k;
            return resolve(k->next);
        }
    }
    return NULL;
}

/* The scalar value of key, or NULL when absent; an error when it is null
 * or not a scalar.  what names the expected type in messages. */
static int get_scalar(reader *r, ynode *map, const char *name,
                      const char *what, ynode **out)
{
    ynode *key = NULL;
    ynode *v = lookup(map, name, &key);

    *out = NULL;
    if (!v)
        return 0;
    if (is_null(v))
        return fail(r, key, "'%s' has no value; expected %s", name, what);
    if (v->kind != YNODE_SCALAR)
        return fail(r, v, "'%s' must be %s, found %s", name, what,
                    describe(v));
    *out = v;
    return 0;
}

static int get_string(reader *r, ynode *map, const char *name,
                      ynode **out)
{
    int rc = get_scalar(r, map, name, "a string", out);
    if (rc == 0 && *out && strlen((*out)->text) != (*out)->length)
        return fail(r, *out, "'%s' contains a NUL character", name);
    return rc;
}

static int get_double(reader *r, ynode *map, const char *name, double *out,
                      ynode **at)
{
    const char *why;
    int rc = get_scalar(r, map, name, "a number", at);

    if (rc != 0 || !*at)
        return rc;
    if (route_csv_parse_double((*at)->text, (*at)->length, out, &why) != 0)
        return fail(r, *at, "'%s' %s: '%s'", name, why, (*at)->text);
    return 0;
}

static int get_int(reader *r, ynode *map, const char *name, int64_t min,
                   int64_t max, int64_t *out, ynode **at)
{
    const char *why;
    int rc = get_scalar(r, map, name, "an integer", at);

    if (rc != 0 || !*at)
        return rc;
    if (route_csv_parse_int64((*at)->text, (*at)->length, out, &why) != 0)
        return fail(r, *at, "'%s' %s: '%s'", name, why, (*at)->text);
    if (*out < min || *out > max)
        return fail(r, *at, "'%s' must be an integer from %lld to %lld "
                    "(got %lld)", name, (long long)min, (long long)max,
                    (long long)*out);
    return 0;
}

/* A collection value of key that must be of kind; NULL when absent. */
static int get_collection(reader *r, ynode *map, const char *name,
                          enum ynode_kind kind, const char *what,
                          ynode **out)
{
    ynode *key = NULL;
    ynode *v = lookup(map, name, &key);

    *out = NULL;
    if (!v)
        return 0;
    if (is_null(v))
        return fail(r, key, "'%s' has no value; expected %s", name, what);
    if (v->kind != kind)
        return fail(r, v, "'%s' must be %s, found %s", name, what,
                    describe(v));
    *out = v;
    return 0;
}

static int nomem(reader *r)
{
    return ws_error_set(r->err, WS_ENOMEM, r->path, 0, 0, "out of memory");
}

static char *duplicate(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* A name written as a mapping key (tool group, product). */
static int check_name_key(reader *r, const ynode *k, const ynode *key,
                          const char *what)
{
    char why[160];

    if (key->kind != YNODE_SCALAR)
        return fail(r, k, "a %s name must be a string, found %s", what,
                    describe(key));
    if (route_csv_check_name(key->text, key->length, why, sizeof why) != 0)
        return fail(r, k, "%s name: %s", what, why);
    return 0;
}

/* Copies the scalar values of a step or distribution mapping into
 * fields; keys were checked against the field names already. */
static int mapping_fields(reader *r, ynode *map,
                          route_text fields[ROUTE_FIELD_COUNT])
{
    memset(fields, 0, ROUTE_FIELD_COUNT * sizeof fields[0]);
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k), *v = resolve(k->next);
        int f = route_csv_field_from_name(key->text, key->length);

        if (f < 0)
            continue;
        if (is_null(v))
            return fail(r, k, "'%s' has no value", key->text);
        if (v->kind != YNODE_SCALAR)
            return fail(r, v, "'%s' must be a scalar, found %s", key->text,
                        describe(v));
        if (strlen(v->text) != v->length)
            return fail(r, v, "'%s' contains a NUL character", key->text);
        fields[f].text = v->text;
        fields[f].length = v->length;
        fields[f].line = node_line(v);
        fields[f].col = node_col(v);
        fields[f].key_line = node_line(k);
        fields[f].key_col = node_col(k);
        /* A setting writes key and value together. */
        fields[f].path = v->origin ? v->origin->path : NULL;
    }
    return 0;
}

static const char *const dist_keys[] = {
    "distribution", "mean", "cv", "sd", "min", "mode", "max", "value", "unit",
};

static const char *const step_keys[] = {
    "step", "tool_group", "per", "distribution", "mean", "cv", "sd", "min",
    "mode", "max", "value", "unit",
};

static int read_interarrival(reader *r, ynode *map, product *p)
{
    route_text fields[ROUTE_FIELD_COUNT];
    route_where where = node_where(r, map);
    int rc;

    rc = check_keys(r, map, dist_keys, sizeof dist_keys / sizeof *dist_keys);
    if (rc == 0)
        rc = mapping_fields(r, map, fields);
    if (rc == 0)
        rc = route_csv_build_dist(fields, r->unit_days, &where,
                                  &p->interarrival, r->err);
    if (rc != 0)
        return rc;
    /* A zero mean would release infinitely many lots at one instant. */
    if (!(p->interarrival.mean > 0.0))
        return fail(r, map, "the mean interarrival time must be > 0");
    p->release = RELEASE_RANDOM;
    return 0;
}

static int read_inline_route(reader *r, ynode *seq, product *p)
{
    int32_t number = 0;

    if (seq->count == 0)
        return fail(r, seq, "the route has no steps");
    for (ynode *item = seq->first; item; item = item->next) {
        ynode *step = resolve(item);
        route_text fields[ROUTE_FIELD_COUNT];
        route_where where = node_where(r, item);
        int rc;

        if (step->kind != YNODE_MAPPING)
            return fail(r, item, "a route step must be a mapping of keys "
                        "(tool_group, mean, ...), found %s", describe(step));
        rc = route_csv_check_step_limit(number, r->total_steps, r->path,
                                        item->line, item->col, r->err);
        if (rc == 0)
            rc = check_keys(r, step, step_keys,
                        sizeof step_keys / sizeof *step_keys);
        if (rc == 0)
            rc = mapping_fields(r, step, fields);
        if (rc == 0)
            rc = route_csv_add_step(p, fields, ++number, r->unit_days,
                                    &r->groups, &where, r->err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The text of route file joined if m read it, else NULL. */
static const char *source_text(const model *m, const char *joined)
{
    for (int32_t i = 1; i < m->nsources; i++)
        if (strcmp(m->sources[i].path, joined) == 0)
            return m->sources[i].text;
    return NULL;
}

static int read_csv_route(reader *r, ynode *value, product *p)
{
    const char *route = value->text;
    size_t prefix = route[0] == '/' ? 0 : r->dir_length;
    size_t length = strlen(route);
    char *joined, *text = NULL;
    size_t text_length = 0;
    const char *stored;
    int cached = 0;
    route_override *changes = NULL;
    size_t nchanges = 0;
    int rc, e;

    if (length == 0)
        return fail(r, value, "'route' is an empty path");
    if (length != value->length)
        return fail(r, value, "'route' contains a NUL character");
    /* Settings' changes to cells, oldest first as route_csv_read wants. */
    for (const yoverride *o = value->overrides; o; o = o->next)
        nchanges++;
    if (nchanges > 0) {
        size_t i = nchanges;
        changes = malloc(nchanges * sizeof *changes);
        if (!changes)
            return nomem(r);
        for (const yoverride *o = value->overrides; o; o = o->next)
            changes[--i] = o->change;
    }
    joined = malloc(prefix + length + 1);
    if (!joined) {
        free(changes);
        return nomem(r);
    }
    memcpy(joined, r->path, prefix);
    memcpy(joined + prefix, route, length + 1);

    /* Products sharing a route file read it once and store it once; the
     * points of a sweep read it from the first point's model. */
    stored = source_text(r->m, joined);
    if (!stored && r->cache && (stored = source_text(r->cache, joined)))
        cached = 1;
    if (stored) {
        rc = route_csv_read(p, stored, strlen(stored), joined, r->unit_days,
                            r->total_steps, &r->groups, changes, nchanges,
                            r->err);
        if (rc == 0 && cached && model_add_source(r->m, joined, stored) != 0)
            rc = nomem(r);
        free(changes);
        free(joined);
        return rc;
    }
    e = route_csv_read_file(joined, &text, &text_length);
    if (e != 0) {
        char reason[256];
        if (e == EFBIG)
            snprintf(reason, sizeof reason, "larger than %zu MiB",
                     ROUTE_CSV_MAX_FILE_BYTES >> 20);
        else if (strerror_r(e, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "error %d", e);
        rc = e == ENOMEM ? nomem(r)
                         : fail(r, value, "cannot read route file '%s': %s",
                                joined, reason);
        free(changes);
        free(joined);
        return rc;
    }
    rc = route_csv_read(p, text, text_length, joined, r->unit_days,
                        r->total_steps, &r->groups, changes, nchanges,
                        r->err);
    if (rc == 0 && model_add_source(r->m, joined, text) != 0)
        rc = nomem(r);
    free(changes);
    free(text);
    free(joined);
    return rc;
}

static const char *const product_keys[] = {
    "route", "lot_size", "wafers_per_month", "lots_per_day", "interarrival",
    "first_release_day",
};

/* A product's value must be a mapping (settings check it the same way). */
static int check_product_spec(reader *r, ynode *k, const ynode *key,
                              const ynode *spec)
{
    if (is_null(spec))
        return fail(r, k, "product '%s' has no value; expected a mapping "
                    "with 'route' and a release rate", key->text);
    if (spec->kind != YNODE_MAPPING)
        return fail(r, spec, "product '%s' must be a mapping, found %s",
                    key->text, describe(spec));
    return 0;
}

static int read_product(reader *r, ynode *k, ynode *spec)
{
    static const char *const release_keys[] = {
        "wafers_per_month", "lots_per_day", "interarrival",
    };
    ynode *key = resolve(k), *at, *route, *chosen = NULL;
    const char *chosen_name = NULL;
    int64_t lot_size = r->lot_size;
    int32_t index;
    product *p;
    double v;
    int rc;

    rc = check_name_key(r, k, key, "product");
    if (rc == 0)
        rc = check_product_spec(r, k, key, spec);
    if (rc != 0)
        return rc;
    rc = check_keys(r, spec, product_keys,
                    sizeof product_keys / sizeof *product_keys);
    if (rc != 0)
        return rc;
    index = model_add_product(r->m, key->text);
    if (index < 0)
        return nomem(r);
    p = &r->m->products[index];

    rc = get_int(r, spec, "lot_size", 1, MODEL_MAX_LOT_SIZE, &lot_size, &at);
    if (rc != 0)
        return rc;
    p->lot_size = (int32_t)lot_size;

    /* Exactly one release rate; report the second one written. */
    for (ynode *kk = spec->first; kk && kk->next; kk = kk->next->next) {
        ynode *name = resolve(kk);
        for (size_t i = 0; i < 3; i++) {
            if (!key_is(name, release_keys[i]))
                continue;
            if (chosen)
                return fail(r, kk, "give only one of 'wafers_per_month', "
                            "'lots_per_day' and 'interarrival' ('%s' is "
                            "already given)", chosen_name);
            chosen = kk;
            chosen_name = release_keys[i];
        }
    }
    if (!chosen)
        return fail(r, spec, "product '%s' needs one of 'wafers_per_month', "
                    "'lots_per_day' or 'interarrival'", key->text);
    if (strcmp(chosen_name, "interarrival") == 0) {
        ynode *ia;
        rc = get_collection(r, spec, "interarrival", YNODE_MAPPING,
                            "a distribution mapping", &ia);
        if (rc == 0)
            rc = read_interarrival(r, ia, p);
        if (rc != 0)
            return rc;
    } else {
        rc = get_double(r, spec, chosen_name, &v, &at);
        if (rc != 0)
            return rc;
        if (!(v > 0.0))
            return fail(r, at, "'%s' must be > 0 (got %g)", chosen_name, v);
        p->release = RELEASE_INTERVAL;
        p->release_interval_days =
            strcmp(chosen_name, "wafers_per_month") == 0
                ? (double)lot_size * DAYS_PER_MONTH / v
                : 1.0 / v;
        if (!(p->release_interval_days > 0.0) ||
            !isfinite(p->release_interval_days))
            return fail(r, at, "'%s' gives a release interval out of range",
                        chosen_name);
    }

    rc = get_double(r, spec, "first_release_day", &v, &at);
    if (rc != 0)
        return rc;
    if (at && !(v >= 0.0))
        return fail(r, at, "'first_release_day' must be >= 0 (got %g)", v);
    p->first_release_days = at ? v : 0.0;

    route = lookup(spec, "route", &at);
    if (!route)
        return fail(r, spec, "product '%s' needs a 'route': a CSV file path "
                    "or a sequence of steps", key->text);
    if (is_null(route))
        return fail(r, at, "'route' has no value; expected a CSV file path "
                    "or a sequence of steps");
    if (route->kind == YNODE_SEQUENCE)
        rc = read_inline_route(r, route, p);
    else if (route->kind == YNODE_SCALAR)
        rc = read_csv_route(r, route, p);
    else
        return fail(r, route, "'route' must be a CSV file path or a sequence "
                    "of steps, found %s", describe(route));
    r->total_steps += p->nsteps;
    return rc;
}

static const char *const group_keys[] = {"tools", "dispatch"};

static int check_group_spec(reader *r, ynode *k, const ynode *key,
                            const ynode *spec)
{
    if (is_null(spec))
        return fail(r, k, "tool group '%s' has no value; expected a mapping "
                    "such as {tools: 2}", key->text);
    if (spec->kind != YNODE_MAPPING)
        return fail(r, spec, "tool group '%s' must be a mapping such as "
                    "{tools: 2}, found %s", key->text, describe(spec));
    return 0;
}

static int read_tool_group(reader *r, ynode *k, ynode *spec)
{
    ynode *key = resolve(k), *at;
    int64_t tools;
    int32_t index;
    int rc;

    rc = check_name_key(r, k, key, "tool group");
    if (rc == 0)
        rc = check_group_spec(r, k, key, spec);
    if (rc != 0)
        return rc;
    rc = check_keys(r, spec, group_keys,
                    sizeof group_keys / sizeof *group_keys);
    if (rc == 0)
        rc = get_int(r, spec, "tools", 1, MODEL_MAX_TOOLS_PER_GROUP, &tools,
                     &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, spec, "tool group '%s' needs 'tools'", key->text);
    rc = get_string(r, spec, "dispatch", &at);
    if (rc != 0)
        return rc;
    if (at && strcmp(at->text, "fifo") != 0)
        return fail(r, at, "unknown dispatch rule '%s' (fifo is the only "
                    "rule for now)", at->text);
    index = model_add_tool_group(r->m, key->text, (int32_t)tools);
    if (index < 0)
        return nomem(r);
    return 0;
}

static const char *const top_keys[] = {
    "format_version", "name", "description", "start_date", "horizon_days",
    "warmup_days", "replications", "seed", "time_unit", "lot_size",
    "tool_groups", "products", "sweep",
};

/* The first TOP_SCALAR_KEYS of top_keys hold values; a setting may
 * change them (the others are sections). */
enum { TOP_SCALAR_KEYS = 10 };

static int check_sweep(reader *r, ynode *top);

/* The scenario's name when it has none: the file name without its
 * extension, cut to MODEL_MAX_NAME bytes at a character boundary. */
static char *default_name(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;
    size_t n;
    char *name;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n == 0) {
        base = "scenario";
        n = strlen(base);
    }
    if (n > MODEL_MAX_NAME) {
        n = MODEL_MAX_NAME;
        while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80)
            n--;
    }
    name = malloc(n + 1);
    if (name) {
        memcpy(name, base, n);
        name[n] = '\0';
    }
    return name;
}

static int read_top(reader *r, ynode *top)
{
    model *m = r->m;
    ynode *at, *warmup_at, *groups, *products;
    int64_t i64;
    double v;
    int rc;

    rc = check_keys(r, top, top_keys, sizeof top_keys / sizeof *top_keys);
    if (rc != 0)
        return rc;

    rc = get_int(r, top, "format_version", INT64_MIN, INT64_MAX, &i64, &at);
    if (rc != 0)
        return rc;
    if (at && i64 != 1)
        return fail(r, at, "unsupported format_version %lld: this wafersim "
                    "reads format 1", (long long)i64);

    rc = get_string(r, top, "name", &at);
    if (rc != 0)
        return rc;
    if (at) {
        char why[160];
        if (route_csv_check_name(at->text, at->length, why, sizeof why) != 0)
            return fail(r, at, "'name': %s", why);
    }
    m->name = at ? duplicate(at->text) : default_name(r->path);
    if (!m->name)
        return nomem(r);

    rc = get_string(r, top, "description", &at);
    if (rc != 0)
        return rc;
    if (at && !(m->description = duplicate(at->text)))
        return nomem(r);

    m->start_date = date_days_from_civil(2025, 1, 1);
    rc = get_scalar(r, top, "start_date", "a date (YYYY-MM-DD)", &at);
    if (rc != 0)
        return rc;
    if (at && (strlen(at->text) != at->length ||
               date_parse_iso(at->text, &m->start_date) != 0))
        return fail(r, at, "'start_date' must be a real date written "
                    "YYYY-MM-DD (got '%s')", at->text);

    m->horizon_days = 365.0;
    rc = get_double(r, top, "horizon_days", &v, &at);
    if (rc != 0)
        return rc;
    if (at) {
        if (!(v > 0.0 && v <= MODEL_MAX_HORIZON_DAYS))
            return fail(r, at, "'horizon_days' must be > 0 and at most %g "
                        "(got %g)", MODEL_MAX_HORIZON_DAYS, v);
        m->horizon_days = v;
    }

    m->warmup_days = 0.0;
    rc = get_double(r, top, "warmup_days", &v, &warmup_at);
    if (rc != 0)
        return rc;
    if (warmup_at) {
        if (!(v >= 0.0))
            return fail(r, warmup_at, "'warmup_days' must be >= 0 (got %g)",
                        v);
        if (!(v < m->horizon_days))
            return fail(r, warmup_at, "'warmup_days' (%g) must be less than "
                        "'horizon_days' (%g)", v, m->horizon_days);
        m->warmup_days = v;
    }

    m->replications = 10;
    rc = get_int(r, top, "replications", 1, MODEL_MAX_REPLICATIONS, &i64,
                 &at);
    if (rc != 0)
        return rc;
    if (at)
        m->replications = (int32_t)i64;

    m->seed = 1;
    rc = get_scalar(r, top, "seed", "an unsigned integer", &at);
    if (rc != 0)
        return rc;
    if (at) {
        const char *why;
        if (route_csv_parse_uint64(at->text, at->length, &m->seed, &why) != 0)
            return fail(r, at, "'seed' %s: '%s' (expected an integer from 0 "
                        "to 18446744073709551615)", why, at->text);
    }

    r->unit_days = 1.0 / 1440.0;
    rc = get_string(r, top, "time_unit", &at);
    if (rc != 0)
        return rc;
    if (at) {
        r->unit_days = route_csv_unit_days(at->text, at->length);
        if (r->unit_days == 0.0)
            return fail(r, at, "unknown time_unit '%s' (use s, min, h or d)",
                        at->text);
    }

    r->lot_size = 25;
    rc = get_int(r, top, "lot_size", 1, MODEL_MAX_LOT_SIZE, &r->lot_size,
                 &at);
    if (rc != 0)
        return rc;

    rc = get_collection(r, top, "tool_groups", YNODE_MAPPING,
                        "a mapping from names to tool groups", &groups);
    if (rc != 0)
        return rc;
    if (!groups)
        return fail(r, top, "missing required key 'tool_groups'");
    if (groups->count == 0)
        return fail(r, groups, "'tool_groups' is empty; a fab needs at "
                    "least one tool group");
    for (ynode *k = groups->first; k && k->next; k = k->next->next) {
        if (m->ngroups >= MODEL_MAX_TOOL_GROUPS)
            return fail(r, k, "too many tool groups (at most %d)",
                        MODEL_MAX_TOOL_GROUPS);
        rc = read_tool_group(r, k, resolve(k->next));
        if (rc != 0)
            return rc;
    }
    if (route_csv_groups_build(&r->groups, m) != 0)
        return nomem(r);

    rc = get_collection(r, top, "products", YNODE_MAPPING,
                        "a mapping from names to products", &products);
    if (rc != 0)
        return rc;
    if (!products)
        return fail(r, top, "missing required key 'products'");
    if (products->count == 0)
        return fail(r, products, "'products' is empty; a fab needs at least "
                    "one product");
    for (ynode *k = products->first; k && k->next; k = k->next->next) {
        if (m->nproducts >= MODEL_MAX_PRODUCTS)
            return fail(r, k, "too many products (at most %d)",
                        MODEL_MAX_PRODUCTS);
        rc = read_product(r, k, resolve(k->next));
        if (rc != 0)
            return rc;
    }
    return r->check_sweep ? check_sweep(r, top) : 0;
}

/* --- settings ----------------------------------------------------------- */

/* A setting changes the tree before it is read, so every check of the
 * reader applies to its value with the same message; only the position
 * differs (node_path).  The tree is never changed in place: a session
 * copies the nodes on each setting's path and links its changes into the
 * copies, so the parsed tree stays as the file says and a sweep applies
 * each point's settings to the same tree at a cost of one path of nodes
 * per setting, not a parse. */

/* Paths have at most five segments (products.P.route.STEP.FIELD); a few
 * more are read so that a long path gets a message about its meaning. */
enum { MAX_SEGMENTS = 8 };

typedef struct setting_path {
    const char *segment[MAX_SEGMENTS];  /* unescaped, in the arena */
    int quoted[MAX_SEGMENTS];
    int count;
} setting_path;

typedef struct applier {
    reader *r;                  /* the scenario's path and error record */
    arena *a;                   /* the session's nodes */
    unsigned session;
    const yorigin *origin;      /* of the setting being applied */
    const char *value;
    setting_path path;
} applier;

/* Length of the path at the start of text: to its end, or to the first
 * '=' outside double quotes (a quoted name may hold one). */
static size_t path_extent(const char *text)
{
    int quoted = 0;
    size_t i;

    for (i = 0; text[i] != '\0'; i++) {
        if (quoted && text[i] == '\\' && text[i + 1] != '\0')
            i++;
        else if (text[i] == '"')
            quoted = !quoted;
        else if (!quoted && text[i] == '=')
            break;
    }
    return i;
}

/* Splits the length bytes of text at dots outside double quotes; in
 * quotes, \" and \\ stand for " and \.  0; -1 with the reason in *why;
 * WS_ENOMEM. */
static int path_parse(arena *a, const char *text, size_t length,
                      setting_path *out, const char **why)
{
    size_t i = 0;

    out->count = 0;
    if (length == 0) {
        *why = "is empty";
        return -1;
    }
    for (;;) {
        const char *segment;
        int quoted = text[i] == '"';

        if (out->count == MAX_SEGMENTS) {
            *why = "has too many segments";
            return -1;
        }
        if (quoted) {
            char *buf = arena_alloc(a, length - i);
            size_t n = 0;

            if (!buf)
                return WS_ENOMEM;
            for (i++; i < length && text[i] != '"'; i++) {
                if (text[i] == '\\' && i + 1 < length &&
                    (text[i + 1] == '"' || text[i + 1] == '\\'))
                    i++;
                buf[n++] = text[i];
            }
            if (i == length) {
                *why = "has an unterminated double quote";
                return -1;
            }
            buf[n] = '\0';
            segment = buf;
            i++;
            if (i < length && text[i] != '.') {
                *why = "has text after a closing double quote (quote the "
                       "whole segment)";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < length && text[i] != '.' && text[i] != '"')
                i++;
            if (i < length && text[i] == '"') {
                *why = "has a double quote inside a segment (quote the "
                       "whole segment: \"a.b\")";
                return -1;
            }
            if (i == start) {
                *why = "has an empty segment";
                return -1;
            }
            segment = copy_text(a, text + start, i - start);
            if (!segment)
                return WS_ENOMEM;
        }
        out->segment[out->count] = segment;
        out->quoted[out->count] = quoted;
        out->count++;
        if (i == length)
            return 0;
        i++;                    /* the dot */
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int setting_fail(applier *ap, const char *fmt, ...)
{
    char message[sizeof ap->r->err->message];
    va_list args;

    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return ws_error_set(ap->r->err, WS_EDATA, ap->origin->path,
                        ap->origin->line, ap->origin->col, "%s", message);
}

/* " (did you mean 'x'?)" or "", as the reader hints at misspelt keys. */
static const char *hint_for(const char *name, const char *const *known,
                            size_t count, char *buf, size_t size)
{
    const char *hint = route_csv_suggest(name, known, count);

    if (!hint)
        return "";
    snprintf(buf, size, " (did you mean '%s'?)", hint);
    return buf;
}

static int among(const char *name, const char *const *known, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, known[i]) == 0)
            return 1;
    return 0;
}

/* Makes c's children this session's own: copies of the nodes (each still
 * sharing its own children) that may be relinked and overwritten.  The
 * session mark keeps later settings on the same path from copying again,
 * so a setting costs the lengths of the lists on its path. */
static int own_list(applier *ap, ynode *c)
{
    ynode *last = NULL;

    if (c->session == ap->session)
        return 0;
    for (const ynode *x = c->first; x; x = x->next) {
        ynode *y = arena_alloc(ap->a, sizeof *y);
        if (!y)
            return WS_ENOMEM;
        *y = *x;
        y->next = NULL;
        if (last)
            last->next = y;
        else
            c->first = y;
        last = y;
    }
    c->last = last;
    c->session = ap->session;
    return 0;
}

/* The node that x (a child in an owned list) stands for, made editable:
 * an alias gets a private copy of its target, so that changing one
 * product does not change the others that share its anchor.  NULL when
 * out of memory. */
static ynode *own_value(applier *ap, ynode *x)
{
    if (x->kind == YNODE_ALIAS) {
        if (x->session != ap->session) {
            ynode *t = arena_alloc(ap->a, sizeof *t);
            if (!t)
                return NULL;
            *t = *x->target;
            t->next = NULL;
            x->target = t;
            x->session = ap->session;
        }
        x = x->target;
    }
    if (x->kind != YNODE_SCALAR && own_list(ap, x) != 0)
        return NULL;
    return x;
}

static ynode *setting_node(applier *ap, enum ynode_kind kind)
{
    ynode *n = arena_alloc(ap->a, sizeof *n);

    if (n) {
        memset(n, 0, sizeof *n);
        n->kind = kind;
        n->line = ap->origin->line;
        n->col = ap->origin->col;
        n->plain = 1;
        n->origin = ap->origin;
        n->session = ap->session;   /* its (empty) list is the session's */
    }
    return n;
}

/* Overwrites n, a node of an owned list, with a scalar of the setting. */
static void set_scalar(applier *ap, ynode *n, const char *text)
{
    ynode *next = n->next;

    memset(n, 0, sizeof *n);
    n->kind = YNODE_SCALAR;
    n->line = ap->origin->line;
    n->col = ap->origin->col;
    n->plain = 1;
    n->text = text;
    n->length = strlen(text);
    n->origin = ap->origin;
    n->session = ap->session;
    n->next = next;
}

/* The key node of name in map, as written (maybe an alias), or NULL. */
static ynode *map_key(ynode *map, const char *name)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key->kind == YNODE_SCALAR && key_is(key, name))
            return k;
    }
    return NULL;
}

static void map_append(ynode *map, ynode *k, ynode *v)
{
    k->next = v;
    v->next = NULL;
    if (map->last)
        map->last->next = k;
    else
        map->first = k;
    map->last = v;
    map->count += 2;
}

/* Removes key name from the owned mapping map, if it is there. */
static void map_remove(ynode *map, const char *name)
{
    ynode *before = NULL;       /* the value preceding the pair */

    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key->kind == YNODE_SCALAR && key_is(key, name)) {
            ynode *after = k->next->next;
            if (before)
                before->next = after;
            else
                map->first = after;
            if (map->last == k->next)
                map->last = before;
            map->count -= 2;
            return;
        }
        before = k->next;
    }
}

/* Gives key name of the owned mapping map the setting's value, adding
 * the key when it is missing.  Key and value both become the setting's,
 * so that a message about either ("'x' has no value") points at it. */
static int map_put(applier *ap, ynode *map, const char *name)
{
    ynode *k = map_key(map, name);

    if (!k) {
        ynode *v;
        k = setting_node(ap, YNODE_SCALAR);
        v = setting_node(ap, YNODE_SCALAR);
        if (!k || !v)
            return nomem(ap->r);
        map_append(map, k, v);
    }
    set_scalar(ap, k, name);
    set_scalar(ap, k->next, ap->value);
    return 0;
}

/* "A, B, C" from the keys of map, for "no such name" messages. */
static void key_names(ynode *map, char *buf, size_t size)
{
    const char *names[ROUTE_CSV_LIST_NAMES];
    size_t shown = 0, total = 0;

    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = resolve(k);
        if (key->kind != YNODE_SCALAR)
            continue;
        if (shown < ROUTE_CSV_LIST_NAMES)
            names[shown++] = key->text;
        total++;
    }
    route_csv_list_names(names, shown, total, buf, size);
}

/* The owned mapping that section (tool_groups, products) of root names
 * entry in, after the reader's checks of the file; *k is the entry's key.
 * An entry that does not exist is the setting's mistake. */
static int find_entry(applier *ap, ynode *root, const char *section,
                      const char *what, const char *expected,
                      const char *entry, ynode **k)
{
    ynode *map;
    char list[512];
    int rc;

    *k = NULL;
    rc = get_collection(ap->r, root, section, YNODE_MAPPING, expected, &map);
    if (rc != 0)
        return rc;
    if (!map)
        return setting_fail(ap, "no %s '%s': the scenario has no '%s'", what,
                            entry, section);
    map = own_value(ap, map_key(root, section)->next);
    if (!map)
        return nomem(ap->r);
    *k = map_key(map, entry);
    if (!*k) {
        key_names(map, list, sizeof list);
        return setting_fail(ap, "no %s '%s' (%ss: %s)", what, entry, what,
                            list);
    }
    return 0;
}

static int set_tool_group(applier *ap, ynode *root)
{
    const setting_path *p = &ap->path;
    ynode *k, *spec;
    char hint[320];
    int rc;

    if (p->count >= 3 && !among(p->segment[2], group_keys, 2))
        return setting_fail(ap, "unknown key '%s'%s", p->segment[2],
                            hint_for(p->segment[2], group_keys, 2, hint,
                                     sizeof hint));
    if (p->count != 3)
        return p->count > 3
                   ? setting_fail(ap, "'%s' is a value, not a section",
                                  p->segment[2])
                   : setting_fail(ap, "a tool group is set by "
                                  "tool_groups.NAME.KEY, e.g. "
                                  "tool_groups.LITHO.tools");
    rc = find_entry(ap, root, "tool_groups", "tool group",
                    "a mapping from names to tool groups", p->segment[1], &k);
    if (rc == 0)
        rc = check_group_spec(ap->r, k, resolve(k), resolve(k->next));
    if (rc != 0)
        return rc;
    spec = own_value(ap, k->next);
    if (!spec)
        return nomem(ap->r);
    return map_put(ap, spec, p->segment[2]);
}

/* #N (1-based), digits only; 0 when segment is not a step number. */
static int32_t step_number(const char *segment)
{
    int64_t n = 0;

    if (segment[0] != '#' || segment[1] == '\0')
        return 0;
    for (const char *c = segment + 1; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        n = n * 10 + (*c - '0');
        if (n > MODEL_MAX_STEPS)
            return 0;
    }
    return (int32_t)n;
}

/* The name of inline route step number (as the model will have it), or
 * NULL when it has none the reader would accept. */
static const char *step_name(ynode *item, int32_t number, char *buf,
                             size_t size)
{
    ynode *step = resolve(item), *name;

    if (step->kind != YNODE_MAPPING)
        return NULL;
    name = lookup(step, "step", NULL);
    if (!name) {
        snprintf(buf, size, "step %d", (int)number);
        return buf;
    }
    return name->kind == YNODE_SCALAR && !is_null(name) ? name->text : NULL;
}

/* The item of the owned inline route seq that the setting names, by name
 * or number; the messages are route_csv_read's for CSV routes. */
static int find_step(applier *ap, ynode *seq, const char *product_name,
                     const char *name, int32_t number, ynode **out)
{
    const char *names[ROUTE_CSV_LIST_NAMES];
    char defaults[ROUTE_CSV_LIST_NAMES][32];
    char list[512];
    size_t shown = 0;
    int32_t i = 0, found = 0;

    *out = NULL;
    for (ynode *item = seq->first; item; item = item->next) {
        char buf[32];
        const char *step = step_name(item, ++i, buf, sizeof buf);

        if (name ? step && strcmp(step, name) == 0 : i == number) {
            if (*out)
                return setting_fail(ap, "step name '%s' is ambiguous: steps "
                                    "#%d and #%d of the route of product "
                                    "'%s' have it (use #N to choose one)",
                                    name, (int)found, (int)i,
                                    product_name);
            *out = item;
            found = i;
        }
        if (step && shown < ROUTE_CSV_LIST_NAMES) {
            names[shown] = step;
            if (step == buf) {
                memcpy(defaults[shown], buf, sizeof buf);
                names[shown] = defaults[shown];
            }
            shown++;
        }
    }
    if (*out)
        return 0;
    if (!name)
        return setting_fail(ap, "there is no step #%d: the route of product "
                            "'%s' has %d steps", (int)number, product_name,
                            (int)i);
    route_csv_list_names(names, shown, (size_t)i, list, sizeof list);
    return setting_fail(ap, "no step '%s' in the route of product '%s' "
                        "(steps: %s)", name, product_name, list);
}

/* products.P.route.STEP.FIELD: inline steps are edited in the tree, a
 * CSV route gets an override of the cell (route_override). */
static int set_route_step(applier *ap, ynode *spec,
                          const char *product_name, int32_t number)
{
    const setting_path *p = &ap->path;
    const char *name = number ? NULL : p->segment[3];
    const char *field = p->segment[4];
    ynode *k = map_key(spec, "route"), *route, *item, *step;
    int rc;

    route = k ? resolve(k->next) : NULL;
    /* A route that is missing or of the wrong kind is the file's mistake,
     * reported as the reader reports it. */
    if (!route)
        return fail(ap->r, spec, "product '%s' needs a 'route': a CSV file "
                    "path or a sequence of steps", product_name);
    if (is_null(route))
        return fail(ap->r, k, "'route' has no value; expected a CSV file "
                    "path or a sequence of steps");
    if (route->kind == YNODE_SCALAR) {
        yoverride *o;
        /* An empty CSV cell means "absent", but the same setting on an
         * inline step is a null value: refuse both alike. */
        if (text_is_null(ap->value))
            return setting_fail(ap, "'%s' has no value", field);
        route = own_value(ap, k->next);
        o = arena_alloc(ap->a, sizeof *o);
        if (!route || !o)
            return nomem(ap->r);
        o->change.name = name;
        o->change.number = number;
        o->change.field = (enum route_field)route_csv_field_from_name(
            field, strlen(field));
        o->change.value = ap->value;
        o->change.path = ap->origin->path;
        o->change.line = ap->origin->line;
        o->change.col = ap->origin->col;
        o->next = route->overrides;
        route->overrides = o;
        return 0;
    }
    if (route->kind != YNODE_SEQUENCE)
        return fail(ap->r, route, "'route' must be a CSV file path or a "
                    "sequence of steps, found %s", describe(route));
    route = own_value(ap, k->next);
    if (!route)
        return nomem(ap->r);
    rc = find_step(ap, route, product_name, name, number, &item);
    if (rc != 0)
        return rc;
    step = resolve(item);
    if (step->kind != YNODE_MAPPING)
        return fail(ap->r, item, "a route step must be a mapping of keys "
                    "(tool_group, mean, ...), found %s", describe(step));
    step = own_value(ap, item);
    if (!step)
        return nomem(ap->r);
    return map_put(ap, step, field);
}

static const char *const release_keys[] = {
    "wafers_per_month", "lots_per_day", "interarrival",
};

/* A product has exactly one release kind: setting one replaces the
 * others, so a setting can switch a product from one kind to another. */
static void keep_release(ynode *spec, const char *kept)
{
    for (size_t i = 0; i < 3; i++)
        if (strcmp(release_keys[i], kept) != 0)
            map_remove(spec, release_keys[i]);
}

static int set_interarrival(applier *ap, ynode *spec)
{
    ynode *k = map_key(spec, "interarrival"), *ia;
    int rc;

    if (!k) {
        keep_release(spec, "interarrival");
        k = setting_node(ap, YNODE_SCALAR);
        ia = setting_node(ap, YNODE_MAPPING);
        if (!k || !ia)
            return nomem(ap->r);
        set_scalar(ap, k, "interarrival");
        map_append(spec, k, ia);
    } else {
        rc = get_collection(ap->r, spec, "interarrival", YNODE_MAPPING,
                            "a distribution mapping", &ia);
        if (rc != 0)
            return rc;
        ia = own_value(ap, k->next);
        if (!ia)
            return nomem(ap->r);
    }
    return map_put(ap, ia, ap->path.segment[3]);
}

static int set_product(applier *ap, ynode *root)
{
    const setting_path *p = &ap->path;
    const size_t nproduct = sizeof product_keys / sizeof *product_keys;
    const size_t ndist = sizeof dist_keys / sizeof *dist_keys;
    const size_t nstep = sizeof step_keys / sizeof *step_keys;
    const char *key;
    int32_t number = 0;
    ynode *k, *spec;
    char hint[320];
    int rc;

    if (p->count < 3)
        return setting_fail(ap, "a product is set by products.NAME.KEY, "
                            "e.g. products.%s.wafers_per_month",
                            p->count == 2 ? p->segment[1] : "N28");
    key = p->segment[2];
    if (!among(key, product_keys, nproduct))
        return setting_fail(ap, "unknown key '%s'%s", key,
                            hint_for(key, product_keys, nproduct, hint,
                                     sizeof hint));
    if (strcmp(key, "interarrival") == 0) {
        if (p->count == 3)
            return setting_fail(ap, "'interarrival' is a distribution: set "
                                "one of its keys, e.g. "
                                "products.%s.interarrival.mean",
                                p->segment[1]);
        if (!among(p->segment[3], dist_keys, ndist))
            return setting_fail(ap, "unknown key '%s'%s", p->segment[3],
                                hint_for(p->segment[3], dist_keys, ndist,
                                         hint, sizeof hint));
        if (p->count > 4)
            return setting_fail(ap, "'%s' is a value, not a section",
                                p->segment[3]);
    } else if (strcmp(key, "route") == 0 && p->count > 3) {
        if (p->count == 4)
            return setting_fail(ap, "a route step is set by products.%s."
                                "route.STEP.FIELD, where STEP is the step's "
                                "name or #N", p->segment[1]);
        if (!among(p->segment[4], step_keys, nstep))
            return setting_fail(ap, "unknown key '%s'%s", p->segment[4],
                                hint_for(p->segment[4], step_keys, nstep,
                                         hint, sizeof hint));
        if (p->count > 5)
            return setting_fail(ap, "'%s' is a value, not a section",
                                p->segment[4]);
        /* A quoted "#3" is a name, so a step named so can be chosen. */
        if (!p->quoted[3] && p->segment[3][0] == '#') {
            number = step_number(p->segment[3]);
            if (number == 0)
                return setting_fail(ap, "'%s' is not a step number: write "
                                    "#1, #2, ... (or quote a step name "
                                    "that starts with #)", p->segment[3]);
        }
    } else if (p->count > 3) {
        return setting_fail(ap, "'%s' is a value, not a section", key);
    }

    rc = find_entry(ap, root, "products", "product",
                    "a mapping from names to products", p->segment[1], &k);
    if (rc == 0)
        rc = check_product_spec(ap->r, k, resolve(k), resolve(k->next));
    if (rc != 0)
        return rc;
    spec = own_value(ap, k->next);
    if (!spec)
        return nomem(ap->r);
    if (strcmp(key, "interarrival") == 0)
        return set_interarrival(ap, spec);
    if (strcmp(key, "route") == 0 && p->count == 5)
        return set_route_step(ap, spec, p->segment[1], number);
    if (strcmp(key, "wafers_per_month") == 0 ||
        strcmp(key, "lots_per_day") == 0)
        keep_release(spec, key);
    return map_put(ap, spec, key);
}

static int apply_setting(applier *ap, ynode *root, const scenario_setting *s)
{
    const char *path = s->path ? s->path : "";
    size_t extent = path_extent(path);
    yorigin *origin = arena_alloc(ap->a, sizeof *origin);
    const char *why, *first;
    char hint[320];
    ws_error check;
    int rc;

    if (!origin)
        return nomem(ap->r);
    ap->value = s->value ? s->value : "";
    if (s->origin) {
        origin->path = s->origin;
        origin->line = s->line;
        origin->col = s->col;
    } else {
        /* The CLI prints "--set PATH=VALUE: message". */
        size_t n = extent + strlen(ap->value) + 8;
        char *label = arena_alloc(ap->a, n);
        if (!label)
            return nomem(ap->r);
        snprintf(label, n, "--set %.*s=%s", (int)extent, path, ap->value);
        origin->path = label;
        origin->line = 0;
        origin->col = 0;
    }
    ap->origin = origin;

    /* Settings reach names and the output as the file's text does. */
    if (route_csv_check_text(path, extent, "", 1, &check) != 0)
        return setting_fail(ap, "bad path: %s", check.message);
    if (route_csv_check_text(ap->value, strlen(ap->value), "", 1,
                             &check) != 0)
        return setting_fail(ap, "bad value: %s", check.message);
    rc = path_parse(ap->a, path, extent, &ap->path, &why);
    if (rc == WS_ENOMEM)
        return nomem(ap->r);
    if (rc != 0)
        return setting_fail(ap, "the path %s", why);

    first = ap->path.segment[0];
    if (strcmp(first, "tool_groups") == 0)
        return set_tool_group(ap, root);
    if (strcmp(first, "products") == 0)
        return set_product(ap, root);
    if (strcmp(first, "sweep") == 0)
        return setting_fail(ap, "the sweep section cannot be changed by a "
                            "setting");
    for (size_t i = 0; i < TOP_SCALAR_KEYS; i++) {
        if (strcmp(first, top_keys[i]) != 0)
            continue;
        if (ap->path.count > 1)
            return setting_fail(ap, "'%s' is a value, not a section (set it "
                                "as %s=VALUE)", first, first);
        return map_put(ap, root, top_keys[i]);
    }
    if (ap->path.count == 1)
        return setting_fail(ap, "unknown key '%s'%s", first,
                            hint_for(first, top_keys,
                                     sizeof top_keys / sizeof *top_keys,
                                     hint, sizeof hint));
    return setting_fail(ap, "unknown top-level section '%s'%s", first,
                        hint_for(first, top_keys,
                                 sizeof top_keys / sizeof *top_keys, hint,
                                 sizeof hint));
}

/* Applies first, then second, in order to a copy of *root (the session's
 * own), which replaces *root. */
static int apply_settings(reader *r, arena *a, ynode **root,
                          const scenario_setting *first, size_t nfirst,
                          const scenario_setting *second, size_t nsecond)
{
    applier ap;
    ynode *copy;
    int rc = 0;

    if (nfirst + nsecond == 0)
        return 0;
    memset(&ap, 0, sizeof ap);
    ap.r = r;
    ap.a = a;
    ap.session = ++*r->sessions;
    copy = arena_alloc(a, sizeof *copy);
    if (!copy)
        return nomem(r);
    *copy = **root;
    copy->next = NULL;
    if (own_list(&ap, copy) != 0)
        return nomem(r);
    for (size_t i = 0; rc == 0 && i < nfirst; i++)
        rc = apply_setting(&ap, copy, &first[i]);
    for (size_t i = 0; rc == 0 && i < nsecond; i++)
        rc = apply_setting(&ap, copy, &second[i]);
    *root = copy;
    return rc;
}

/* --- sweeps ------------------------------------------------------------- */

#define SWEEP_MAX_POINTS 100000
#define SWEEP_MAX_PARAMS 64

/* "%.17g" of a double needs at most 24 bytes, "%.0f" of an integer of at
 * most 2^53 (the bound on integer ranges) 17. */
#define SWEEP_NUMBER_TEXT 32
#define SWEEP_MAX_INTEGER 9007199254740992.0

typedef struct sweep_param {
    ynode *key;                 /* as written: points are named by it */
    const char *path;
    setting_path parsed;
    ynode *values;              /* grid and zip: the sequence */
    double min, max;            /* lhs */
    int integer;
} sweep_param;

typedef struct sweep_spec {
    const char *kind;           /* NULL when there is no sweep section */
    ynode *at;                  /* the kind's key */
    sweep_param params[SWEEP_MAX_PARAMS];
    int32_t nparams;
    int32_t npoints;
    uint64_t seed;              /* lhs */
} sweep_spec;

static const char *const sweep_keys[] = {"grid", "zip", "lhs"};
static const char *const lhs_keys[] = {"points", "seed", "parameters"};
static const char *const range_keys[] = {"min", "max", "integer"};

/* Every point of a run shares the months, the replications and, for
 * common random numbers, the seed of the output. */
static const struct {
    const char *key;
    const char *why;
} unsweepable[] = {
    {"horizon_days", "every point must have the same months"},
    {"start_date", "every point must have the same months"},
    {"warmup_days", "every point must flag the same months as warm-up"},
    {"replications", "every point must have the same replications"},
    {"seed", "every point must use the same seed, so that points are "
             "compared with the same random numbers"},
};

static int same_path(const setting_path *a, const setting_path *b)
{
    if (a->count != b->count)
        return 0;
    for (int i = 0; i < a->count; i++) {
        if (strcmp(a->segment[i], b->segment[i]) != 0)
            return 0;
        /* Quotes matter only where they make "#3" a name. */
        if (a->segment[i][0] == '#' && a->quoted[i] != b->quoted[i])
            return 0;
    }
    return 1;
}

/* Checks a parameter's key k and adds it to spec. */
static int read_param_key(reader *r, arena *a, sweep_spec *spec, ynode *k)
{
    ynode *key = resolve(k);
    sweep_param *p = &spec->params[spec->nparams];
    const char *why;
    int rc;

    if (key->kind != YNODE_SCALAR || is_null(key))
        return fail(r, k, "a parameter must be a path such as "
                    "products.A.wafers_per_month, found %s", describe(key));
    if (strlen(key->text) != key->length)
        return fail(r, k, "the parameter path contains a NUL character");
    if (spec->nparams == SWEEP_MAX_PARAMS)
        return fail(r, k, "a sweep may vary at most %d parameters",
                    SWEEP_MAX_PARAMS);
    if (path_extent(key->text) != key->length)
        return fail(r, k, "parameter '%s': the path has an '=' outside "
                    "double quotes", key->text);
    rc = path_parse(a, key->text, key->length, &p->parsed, &why);
    if (rc == WS_ENOMEM)
        return nomem(r);
    if (rc != 0)
        return fail(r, k, "parameter '%s': the path %s", key->text, why);
    for (size_t i = 0; p->parsed.count == 1 &&
                       i < sizeof unsweepable / sizeof *unsweepable; i++)
        if (strcmp(p->parsed.segment[0], unsweepable[i].key) == 0)
            return fail(r, k, "cannot sweep '%s': %s", unsweepable[i].key,
                        unsweepable[i].why);
    for (int32_t j = 0; j < spec->nparams; j++)
        if (same_path(&spec->params[j].parsed, &p->parsed))
            return fail(r, k, "'%s' is the same parameter as '%s' (line %d)",
                        key->text, spec->params[j].path,
                        spec->params[j].key->line);
    p->key = k;
    p->path = key->text;
    spec->nparams++;
    return 0;
}

/* grid and zip: a mapping from paths to non-empty lists of scalars. */
static int read_lists(reader *r, arena *a, sweep_spec *spec, ynode *map)
{
    double points = 1.0;
    int rc;

    if (map->count == 0)
        return fail(r, map, "'%s' has no parameters", spec->kind);
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *v = resolve(k->next);
        sweep_param *p;

        rc = read_param_key(r, a, spec, k);
        if (rc != 0)
            return rc;
        p = &spec->params[spec->nparams - 1];
        if (is_null(v))
            return fail(r, k, "'%s' has no value; expected a list of values "
                        "such as [1, 2, 3]", p->path);
        if (v->kind != YNODE_SEQUENCE)
            return fail(r, v, "'%s' must be a list of values such as "
                        "[1, 2, 3], found %s", p->path, describe(v));
        if (v->count == 0)
            return fail(r, v, "'%s' has no values (the list is empty)",
                        p->path);
        if (v->count > SWEEP_MAX_POINTS)
            return fail(r, v, "'%s' has %zu values; a sweep has at most %d "
                        "points", p->path, v->count, SWEEP_MAX_POINTS);
        for (ynode *item = v->first; item; item = item->next) {
            ynode *x = resolve(item);
            if (is_null(x) || x->kind != YNODE_SCALAR)
                return fail(r, item, "a value of '%s' must be a scalar, "
                            "found %s", p->path, describe(x));
            if (strlen(x->text) != x->length)
                return fail(r, item, "a value of '%s' contains a NUL "
                            "character", p->path);
        }
        p->values = v;
        points *= (double)v->count;
    }
    if (strcmp(spec->kind, "zip") == 0) {
        const sweep_param *first = &spec->params[0];
        for (int32_t j = 1; j < spec->nparams; j++) {
            const sweep_param *p = &spec->params[j];
            if (p->values->count != first->values->count)
                return fail(r, p->key, "zip lists must have equal lengths: "
                            "'%s' has %zu values, '%s' has %zu", p->path,
                            p->values->count, first->path,
                            first->values->count);
        }
        spec->npoints = (int32_t)first->values->count;
        return 0;
    }
    /* Checked before anything is expanded: 64 lists of 1e5 values would
     * otherwise be a design of 1e320 points. */
    if (points > SWEEP_MAX_POINTS) {
        char sizes[512];
        size_t used = 0;
        for (int32_t j = 0; j < spec->nparams && used < sizeof sizes; j++)
            used += (size_t)snprintf(sizes + used, sizeof sizes - used,
                                     "%s%zu", j ? " x " : "",
                                     spec->params[j].values->count);
        return fail(r, spec->at, "the grid has %.6g points (%s); a sweep "
                    "may have at most %d", points, sizes, SWEEP_MAX_POINTS);
    }
    spec->npoints = (int32_t)points;
    return 0;
}

static int read_range(reader *r, sweep_param *p, ynode *k)
{
    ynode *v = resolve(k->next), *min_at, *max_at, *at;
    int rc;

    if (is_null(v))
        return fail(r, k, "'%s' has no value; expected a range such as "
                    "{min: 1, max: 5}", p->path);
    if (v->kind != YNODE_MAPPING)
        return fail(r, v, "'%s' must be a range such as {min: 1, max: 5}, "
                    "found %s", p->path, describe(v));
    rc = check_keys(r, v, range_keys, sizeof range_keys / sizeof *range_keys);
    if (rc == 0)
        rc = get_double(r, v, "min", &p->min, &min_at);
    if (rc == 0)
        rc = get_double(r, v, "max", &p->max, &max_at);
    if (rc == 0)
        rc = get_scalar(r, v, "integer", "true or false", &at);
    if (rc != 0)
        return rc;
    if (!min_at || !max_at)
        return fail(r, v, "'%s' needs '%s'", p->path, min_at ? "max" : "min");
    if (at) {
        static const char *const truth[] = {"true", "True", "TRUE"};
        static const char *const falsity[] = {"false", "False", "FALSE"};
        if (among(at->text, truth, 3))
            p->integer = 1;
        else if (!among(at->text, falsity, 3))
            return fail(r, at, "'integer' must be true or false (got '%s')",
                        at->text);
    }
    if (p->min > p->max)
        return fail(r, max_at, "'max' (%g) must be >= 'min' (%g)", p->max,
                    p->min);
    if (p->integer) {
        ynode *const ends[2] = {min_at, max_at};
        const double values[2] = {p->min, p->max};
        for (int i = 0; i < 2; i++)
            if (values[i] != floor(values[i]) ||
                fabs(values[i]) > SWEEP_MAX_INTEGER)
                return fail(r, ends[i], "with 'integer: true', '%s' must be "
                            "a whole number from -2^53 to 2^53 (got %g)",
                            i ? "max" : "min", values[i]);
    }
    return 0;
}

static int read_lhs(reader *r, arena *a, sweep_spec *spec, ynode *lhs)
{
    ynode *at, *params;
    int64_t points;
    const char *why;
    int rc;

    rc = check_keys(r, lhs, lhs_keys, sizeof lhs_keys / sizeof *lhs_keys);
    if (rc == 0)
        rc = get_int(r, lhs, "points", 1, SWEEP_MAX_POINTS, &points, &at);
    if (rc != 0)
        return rc;
    if (!at)
        return fail(r, lhs, "'lhs' needs 'points', the number of points "
                    "(1 to %d)", SWEEP_MAX_POINTS);
    spec->npoints = (int32_t)points;
    spec->seed = 1;
    rc = get_scalar(r, lhs, "seed", "an unsigned integer", &at);
    if (rc != 0)
        return rc;
    if (at && route_csv_parse_uint64(at->text, at->length, &spec->seed,
                                     &why) != 0)
        return fail(r, at, "'seed' %s: '%s' (expected an integer from 0 to "
                    "18446744073709551615)", why, at->text);
    rc = get_collection(r, lhs, "parameters", YNODE_MAPPING,
                        "a mapping from parameter paths to ranges such as "
                        "{min: 1, max: 5}", &params);
    if (rc != 0)
        return rc;
    if (!params)
        return fail(r, lhs, "'lhs' needs 'parameters': a mapping from "
                    "parameter paths to ranges such as {min: 1, max: 5}");
    if (params->count == 0)
        return fail(r, params, "'parameters' has no parameters");
    for (ynode *k = params->first; k && k->next; k = k->next->next) {
        rc = read_param_key(r, a, spec, k);
        if (rc == 0)
            rc = read_range(r, &spec->params[spec->nparams - 1], k);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Reads the sweep section of top into spec (spec->kind NULL when there
 * is none); errors point into the file. */
static int read_sweep(reader *r, arena *a, ynode *top, sweep_spec *spec)
{
    ynode *sweep, *chosen = NULL, *body;
    int rc;

    memset(spec, 0, sizeof *spec);
    rc = get_collection(r, top, "sweep", YNODE_MAPPING,
                        "a mapping with one of 'grid', 'zip' or 'lhs'",
                        &sweep);
    if (rc != 0 || !sweep)
        return rc;
    rc = check_keys(r, sweep, sweep_keys, 3);
    if (rc != 0)
        return rc;
    for (ynode *k = sweep->first; k && k->next; k = k->next->next) {
        if (chosen)
            return fail(r, k, "give only one of 'grid', 'zip' and 'lhs' "
                        "('%s' is already given)", resolve(chosen)->text);
        chosen = k;
    }
    if (!chosen)
        return fail(r, sweep, "'sweep' needs one of 'grid', 'zip' or 'lhs'");
    for (size_t i = 0; i < 3; i++)
        if (key_is(resolve(chosen), sweep_keys[i]))
            spec->kind = sweep_keys[i];
    spec->at = chosen;
    if (strcmp(spec->kind, "lhs") == 0) {
        rc = get_collection(r, sweep, "lhs", YNODE_MAPPING,
                            "a mapping with 'points' and 'parameters'",
                            &body);
        return rc != 0 ? rc : read_lhs(r, a, spec, body);
    }
    rc = get_collection(r, sweep, spec->kind, YNODE_MAPPING,
                        "a mapping from parameter paths to lists of values",
                        &body);
    return rc != 0 ? rc : read_lists(r, a, spec, body);
}

/* The ordinary reader checks the section and that every parameter's
 * path leads somewhere, by applying the first value of each to a copy of
 * the tree (values are checked by scenario_load_design, which builds
 * every point).  A step of a CSV route is found only when the CSV is
 * read, so that too is left to the points. */
static int check_sweep(reader *r, ynode *top)
{
    arena a = {NULL};
    sweep_spec *spec = malloc(sizeof *spec);
    scenario_setting settings[SWEEP_MAX_PARAMS];
    char numbers[SWEEP_MAX_PARAMS][SWEEP_NUMBER_TEXT];
    int rc;

    if (!spec)
        return nomem(r);
    rc = read_sweep(r, &a, top, spec);
    if (rc == 0 && spec->kind) {
        for (int32_t j = 0; j < spec->nparams; j++) {
            const sweep_param *p = &spec->params[j];
            if (p->values) {
                settings[j].value = resolve(p->values->first)->text;
            } else {
                snprintf(numbers[j], sizeof numbers[j], "%.17g", p->min);
                settings[j].value = numbers[j];
            }
            settings[j].path = p->path;
            settings[j].origin = r->path;
            settings[j].line = p->key->line;
            settings[j].col = p->key->col;
        }
        rc = apply_settings(r, &a, &top, settings, (size_t)spec->nparams,
                            NULL, 0);
    }
    arena_free(&a);
    free(spec);
    return rc;
}

/* The design as callers see it, and one block for all its strings. */
typedef struct design_storage {
    sweep_design design;        /* first, so a sweep_design * is one */
    char *text;
} design_storage;

void sweep_design_destroy(sweep_design *d)
{
    design_storage *s = (design_storage *)d;

    if (!d)
        return;
    free(s->text);
    free(d->params);
    free(d->values);
    free(d->numbers);
    free(d->lines);
    free(d->cols);
    free(s);
}

static char *put_text(char *block, size_t *used, const char *text)
{
    size_t n = strlen(text) + 1;
    char *at = block + *used;

    memcpy(at, text, n);
    *used += n;
    return at;
}

/* Grid (the last parameter varies fastest) and zip: every value is the
 * text of a list item, stored once. */
static int expand_lists(const sweep_spec *spec, sweep_design *d, char *block,
                        size_t *used)
{
    size_t np = (size_t)spec->nparams, total = 0;
    size_t offset[SWEEP_MAX_PARAMS], count[SWEEP_MAX_PARAMS];
    const char **texts;
    double *numbers;
    int grid = strcmp(spec->kind, "grid") == 0;

    for (size_t j = 0; j < np; j++) {
        offset[j] = total;
        count[j] = spec->params[j].values->count;
        total += count[j];
    }
    texts = malloc(total * sizeof *texts);
    numbers = malloc(total * sizeof *numbers);
    if (!texts || !numbers) {
        free(texts);
        free(numbers);
        return -1;
    }
    for (size_t j = 0; j < np; j++) {
        size_t i = offset[j];
        for (ynode *item = spec->params[j].values->first; item;
             item = item->next, i++) {
            const ynode *x = resolve(item);
            const char *why;
            texts[i] = put_text(block, used, x->text);
            if (route_csv_parse_double(x->text, x->length, &numbers[i],
                                       &why) != 0)
                numbers[i] = NAN;
        }
    }
    for (size_t p = 0; p < (size_t)spec->npoints; p++) {
        size_t rest = p;
        for (size_t j = np; j-- > 0;) {
            size_t i = grid ? rest % count[j] : p;
            rest /= count[j];
            d->values[p * np + j] = (char *)texts[offset[j] + i];
            d->numbers[p * np + j] = numbers[offset[j] + i];
        }
    }
    free(texts);
    free(numbers);
    return 0;
}

/* Latin hypercube: for each parameter an independent random permutation
 * of the n strata and a uniform position in each, from its own stream
 * (seed, 0, 0, parameter), so a design depends only on the seed. */
static int expand_lhs(const sweep_spec *spec, sweep_design *d, char *block,
                      size_t *used)
{
    size_t np = (size_t)spec->nparams, n = (size_t)spec->npoints;
    size_t *strata = malloc(n * sizeof *strata);

    if (!strata)
        return -1;
    for (size_t j = 0; j < np; j++) {
        const sweep_param *p = &spec->params[j];
        gsl_rng *rng = stream_create(spec->seed, 0, 0, (uint64_t)j);

        if (!rng) {
            free(strata);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            strata[i] = i;
        gsl_ran_shuffle(rng, strata, n, sizeof *strata);
        for (size_t i = 0; i < n; i++) {
            double u = gsl_rng_uniform(rng);
            double x = p->min + ((double)strata[i] + u) / (double)n *
                                    (p->max - p->min);
            char *at = block + *used;
            if (p->integer)
                x = round(x);
            /* Rounding in the sum may step past an end. */
            x = fmin(fmax(x, p->min), p->max);
            x += 0.0;           /* -0 would print as "-0" */
            *used += (size_t)snprintf(at, SWEEP_NUMBER_TEXT,
                                      p->integer ? "%.0f" : "%.17g", x) + 1;
            d->values[i * np + j] = at;
            d->numbers[i * np + j] = x;
        }
        gsl_rng_free(rng);
    }
    free(strata);
    return 0;
}

static int design_expand(const sweep_spec *spec, const char *path,
                         sweep_design **out, ws_error *err)
{
    size_t np = (size_t)spec->nparams, n = (size_t)spec->npoints;
    size_t size = strlen(spec->kind) + 1, used = 0;
    design_storage *s = calloc(1, sizeof *s);
    sweep_design *d = s ? &s->design : NULL;
    int lhs = strcmp(spec->kind, "lhs") == 0;

    *out = NULL;
    if (!s)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    for (size_t j = 0; j < np; j++) {
        size += strlen(spec->params[j].path) + 1;
        for (ynode *item = lhs ? NULL : spec->params[j].values->first; item;
             item = item->next)
            size += resolve(item)->length + 1;
    }
    if (lhs)
        size += n * np * SWEEP_NUMBER_TEXT;
    s->text = malloc(size);
    d->params = malloc(np * sizeof *d->params);
    d->values = malloc(n * np * sizeof *d->values);
    d->numbers = malloc(n * np * sizeof *d->numbers);
    d->lines = malloc(np * sizeof *d->lines);
    d->cols = malloc(np * sizeof *d->cols);
    if (!s->text || !d->params || !d->values || !d->numbers || !d->lines ||
        !d->cols) {
        sweep_design_destroy(d);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    d->kind = put_text(s->text, &used, spec->kind);
    d->nparams = spec->nparams;
    d->npoints = spec->npoints;
    for (size_t j = 0; j < np; j++) {
        d->params[j] = put_text(s->text, &used, spec->params[j].path);
        d->lines[j] = spec->params[j].key->line;
        d->cols[j] = spec->params[j].key->col;
    }
    if ((lhs ? expand_lhs(spec, d, s->text, &used)
             : expand_lists(spec, d, s->text, &used)) != 0) {
        sweep_design_destroy(d);
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }
    *out = d;
    return 0;
}

/* --- entry points ------------------------------------------------------- */

/* A parsed scenario: settings and points are applied to copies of parts
 * of it (see "settings"), so it is parsed once however often it is read. */
typedef struct tree {
    arena arena;
    ynode *root;                /* a mapping */
    unsigned sessions;          /* settings sessions so far */
} tree;

static int tree_parse(tree *t, const char *text, size_t length,
                      const char *path, ws_error *err)
{
    ybuilder b;
    int rc;

    memset(t, 0, sizeof *t);
    rc = route_csv_check_text(text, length, path, 1, err);
    if (rc != 0)
        return rc;
    memset(&b, 0, sizeof b);
    b.arena = &t->arena;
    b.input = text;
    b.input_length = length;
    b.last_line = 1;
    b.last_col = 1;
    rc = yaml_parse(&b, text, length, path, err);
    if (rc == 0 && (!b.root || is_null(b.root)))
        rc = ws_error_set(err, WS_EDATA, path, 1, 1,
                          "the scenario is empty; it needs at least "
                          "'tool_groups' and 'products'");
    if (rc == 0 && resolve(b.root)->kind != YNODE_MAPPING)
        rc = ws_error_set(err, WS_EDATA, path, b.root->line, b.root->col,
                          "the top level of a scenario must be a mapping of "
                          "keys, found %s", describe(resolve(b.root)));
    free(b.stack);
    free(b.anchors);
    if (rc != 0) {
        arena_free(&t->arena);
        return rc;
    }
    t->root = resolve(b.root);
    return 0;
}

typedef struct build_input {
    const char *text;           /* the scenario, stored as source 0 */
    size_t length;
    const char *path;
    tree *tree;
    const scenario_setting *settings;
    size_t nsettings;
    const scenario_setting *point;      /* applied after settings */
    size_t npoint;
    const model *cache;         /* route files already read, or NULL */
    int check_sweep;
} build_input;

static int build(const build_input *in, model **out, ws_error *err)
{
    arena scratch = {NULL};
    ynode *root = in->tree->root;
    model *m = NULL;
    char *copy;
    reader r;
    int rc;

    *out = NULL;
    memset(&r, 0, sizeof r);
    r.path = in->path;
    {
        const char *slash = strrchr(in->path, '/');
        r.dir_length = slash ? (size_t)(slash - in->path) + 1 : 0;
    }
    r.err = err;
    r.sessions = &in->tree->sessions;
    r.cache = in->cache;
    r.check_sweep = in->check_sweep;
    rc = apply_settings(&r, &scratch, &root, in->settings, in->nsettings,
                        in->point, in->npoint);
    if (rc == 0) {
        m = model_create();
        copy = malloc(in->length + 1);
        if (m && copy) {
            memcpy(copy, in->text, in->length);
            copy[in->length] = '\0';
        }
        /* Source 0 is the scenario itself, stored before any route file. */
        if (!m || !copy || model_add_source(m, in->path, copy) != 0)
            rc = nomem(&r);
        free(copy);
    }
    if (rc == 0) {
        r.m = m;
        rc = read_top(&r, root);
        route_csv_groups_free(&r.groups);
    }
    arena_free(&scratch);
    if (rc != 0) {
        model_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

static int load(const char *text, size_t length, const char *path,
                const scenario_setting *settings, size_t nsettings,
                model **out, ws_error *err)
{
    tree t;
    build_input in;
    int rc;

    rc = tree_parse(&t, text, length, path, err);
    if (rc != 0)
        return rc;
    memset(&in, 0, sizeof in);
    in.text = text;
    in.length = length;
    in.path = path;
    in.tree = &t;
    in.settings = settings;
    in.nsettings = nsettings;
    in.check_sweep = 1;
    rc = build(&in, out, err);
    arena_free(&t.arena);
    return rc;
}

/* "point 7 (products.A.wafers_per_month=-5): ..." */
static void name_point(ws_error *err, const sweep_design *d, int32_t p)
{
    char values[256], message[sizeof err->message + sizeof values + 32];
    size_t used = 0, np = (size_t)d->nparams, n;

    values[0] = '\0';
    for (size_t j = 0; j < np; j++) {
        const char *v = d->values[(size_t)p * np + j];
        size_t need = strlen(d->params[j]) + strlen(v) + 3;
        if (used + need > 200) {
            snprintf(values + used, sizeof values - used, "%s...",
                     j ? ", " : "");
            break;
        }
        used += (size_t)snprintf(values + used, sizeof values - used,
                                 "%s%s=%s", j ? ", " : "", d->params[j], v);
    }
    snprintf(message, sizeof message, "point %d (%s): %s", (int)p, values,
             err->message);
    n = strlen(message);
    if (n >= sizeof err->message)
        n = sizeof err->message - 1;
    memcpy(err->message, message, n);
    err->message[n] = '\0';
}

/* Builds every point of d on the parsed tree: a value the model refuses
 * is reported before anything is simulated.  The first point's model
 * lends its route files to the others. */
static int check_points(build_input *in, const sweep_design *d,
                        const model *base, ws_error *err)
{
    size_t np = (size_t)d->nparams;
    scenario_setting *point = malloc(np * sizeof *point);
    int rc = 0;

    if (!point)
        return ws_error_set(err, WS_ENOMEM, in->path, 0, 0, "out of memory");
    in->point = point;
    in->npoint = np;
    in->cache = base;
    in->check_sweep = 0;
    for (int32_t p = 0; rc == 0 && p < d->npoints; p++) {
        model *m;
        for (size_t j = 0; j < np; j++) {
            point[j].path = d->params[j];
            point[j].value = d->values[(size_t)p * np + j];
            point[j].origin = in->path;
            point[j].line = d->lines[j];
            point[j].col = d->cols[j];
        }
        rc = build(in, &m, err);
        model_destroy(m);
        if (rc == WS_EDATA)
            name_point(err, d, p);
    }
    free(point);
    return rc;
}

static int load_design(const char *text, size_t length, const char *path,
                       const scenario_setting *settings, size_t nsettings,
                       sweep_design **out, ws_error *err)
{
    tree t;
    build_input in;
    model *base = NULL;
    sweep_spec *spec = NULL;
    sweep_design *d = NULL;
    arena a = {NULL};
    int rc;

    rc = tree_parse(&t, text, length, path, err);
    if (rc != 0)
        return rc;
    memset(&in, 0, sizeof in);
    in.text = text;
    in.length = length;
    in.path = path;
    in.tree = &t;
    in.settings = settings;
    in.nsettings = nsettings;
    in.check_sweep = 1;
    rc = build(&in, &base, err);
    if (rc == 0 && !(spec = malloc(sizeof *spec)))
        rc = ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    if (rc == 0) {
        /* Settings cannot change the sweep section: the parsed one is
         * the one the base model's reader checked. */
        reader r;
        memset(&r, 0, sizeof r);
        r.path = path;
        r.err = err;
        rc = read_sweep(&r, &a, t.root, spec);
    }
    if (rc == 0 && spec->kind)
        rc = design_expand(spec, path, &d, err);
    if (rc == 0 && d)
        rc = check_points(&in, d, base, err);
    model_destroy(base);
    free(spec);
    arena_free(&a);
    arena_free(&t.arena);
    if (rc != 0) {
        sweep_design_destroy(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* strtod reads numbers by LC_NUMERIC and printf writes them so; a program
 * that called setlocale() must not make "1.5" mean something else. */
typedef struct numeric_locale {
    locale_t c;
    locale_t previous;
} numeric_locale;

static void c_numbers_begin(numeric_locale *l)
{
    l->previous = (locale_t)0;
    l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (l->c)
        l->previous = uselocale(l->c);
}

static void c_numbers_end(numeric_locale *l)
{
    if (l->c) {
        uselocale(l->previous);
        freelocale(l->c);
    }
}

int scenario_load_string(const char *text, size_t length, const char *path,
                         model **out, ws_error *err)
{
    numeric_locale l;
    int rc;

    *out = NULL;
    if (!path)
        path = "<string>";
    if (!text)
        return ws_error_set(err, WS_ENOINPUT, path, 0, 0, "no text");
    c_numbers_begin(&l);
    rc = load(text, length, path, NULL, 0, out, err);
    c_numbers_end(&l);
    return rc;
}

static int read_scenario(const char *path, char **text, size_t *length,
                         ws_error *err)
{
    int e = route_csv_read_file(path, text, length);
    char reason[256];

    if (e == 0)
        return 0;
    if (e == ENOMEM)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    if (e == EFBIG)
        return ws_error_set(err, WS_EDATA, path, 0, 0,
                            "the file is larger than %zu MiB",
                            ROUTE_CSV_MAX_FILE_BYTES >> 20);
    if (strerror_r(e, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", e);
    return ws_error_set(err, WS_ENOINPUT, path, 0, 0, "cannot read: %s",
                        reason);
}

int scenario_load_file_with(const char *path, const scenario_setting *settings,
                            size_t nsettings, model **out, ws_error *err)
{
    numeric_locale l;
    char *text;
    size_t length;
    int rc;

    *out = NULL;
    rc = read_scenario(path, &text, &length, err);
    if (rc != 0)
        return rc;
    c_numbers_begin(&l);
    rc = load(text, length, path, settings, nsettings, out, err);
    c_numbers_end(&l);
    free(text);
    return rc;
}

int scenario_load_file(const char *path, model **out, ws_error *err)
{
    return scenario_load_file_with(path, NULL, 0, out, err);
}

int scenario_setting_parse(const char *text, scenario_setting *out)
{
    size_t extent;

    if (!text || !out)
        return -1;
    extent = path_extent(text);
    if (extent == 0 || text[extent] != '=')
        return -1;
    out->path = text;           /* the path ends at the '=' */
    out->value = text + extent + 1;
    out->origin = NULL;
    out->line = 0;
    out->col = 0;
    return 0;
}

int scenario_load_design(const char *path, const scenario_setting *settings,
                         size_t nsettings, sweep_design **out, ws_error *err)
{
    numeric_locale l;
    char *text;
    size_t length;
    int rc;

    *out = NULL;
    rc = read_scenario(path, &text, &length, err);
    if (rc != 0)
        return rc;
    c_numbers_begin(&l);
    rc = load_design(text, length, path, settings, nsettings, out, err);
    c_numbers_end(&l);
    free(text);
    return rc;
}
