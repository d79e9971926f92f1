/* ytree.c - YAML text to a tree with positions (ytree.h). */
#include "models/ytree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

typedef struct ytree_block {
    struct ytree_block *next;
    size_t used;
    size_t size;
    max_align_t data[];
} ytree_block;

void *ytree_alloc(ytree_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    ytree_block *b = a->head;

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

void ytree_free(ytree_arena *a)
{
    while (a->head) {
        ytree_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

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
    ytree_arena *arena;
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

const char *ytree_copy_text(ytree_arena *a, const char *text, size_t length)
{
    char *s = ytree_alloc(a, length + 1);
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
    ynode *n = ytree_alloc(b->arena, sizeof *n);

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
    copy = ytree_copy_text(b->arena, name, *length);
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

ynode *ynode_resolve(ynode *n)
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
        ynode *key = ynode_resolve(k);
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
        n->text = ytree_copy_text(b->arena, text ? text : "",
                                  text ? length : 0);
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

/* YAML's plain null; a setting's value is plain text, so null too. */
int ytree_text_is_null(const char *text)
{
    return text[0] == '\0' || strcmp(text, "~") == 0 ||
           strcmp(text, "null") == 0 || strcmp(text, "Null") == 0 ||
           strcmp(text, "NULL") == 0;
}

int ynode_is_null(const ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR || !n->plain)
        return 0;
    return n->length == 0 || ytree_text_is_null(n->text);
}

const char *ynode_describe(const ynode *n)
{
    if (ynode_is_null(n))
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

int ynode_key_is(const ynode *key, const char *name)
{
    return strlen(name) == key->length &&
           memcmp(key->text, name, key->length) == 0;
}


ynode *ynode_lookup(ynode *map, const char *name, ynode **key_node)
{
    for (ynode *k = map->first; k && k->next; k = k->next->next) {
        ynode *key = ynode_resolve(k);
        if (key->kind == YNODE_SCALAR && ynode_key_is(key, name)) {
            if (key_node)
                *key_node = k;
            return ynode_resolve(k->next);
        }
    }
    return NULL;
}

int ytree_parse(ytree_arena *a, const char *text, size_t length,
                const char *path, ynode **root, ws_error *err)
{
    ybuilder b;

    memset(&b, 0, sizeof b);
    b.arena = a;
    b.input = text;
    b.input_length = length;
    b.last_line = 1;
    b.last_col = 1;
    int rc = yaml_parse(&b, text, length, path, err);
    free(b.stack);
    free(b.anchors);
    *root = b.root;
    return rc;
}
