/* ytree.h - a scenario's YAML text as a small tree with a line and a
 * column on every node, for the scenario reader (scenario.c).
 *
 * libfyaml's document API in 0.7.12 gives no positions for mappings and
 * sequences, and every message of the reader must name line and column,
 * so this runs libfyaml's event parser and builds its own tree.  The tree
 * lives in one arena, freed at once.  Parsing refuses what the format
 * does not allow before the reader sees it: a second document, unknown
 * aliases, tags and duplicate keys.
 */
#ifndef WAFERSIM_YTREE_H
#define WAFERSIM_YTREE_H

#include <stddef.h>

#include "../sim/wserror.h"

/* Memory handed out in blocks and freed all at once; zero-initialised
 * ({NULL}) it is empty. */
typedef struct ytree_arena {
    struct ytree_block *head;
} ytree_arena;

/* NULL when out of memory; aligned for any type. */
void *ytree_alloc(ytree_arena *a, size_t n);
void ytree_free(ytree_arena *a);
/* A NUL-terminated copy of length bytes of text; NULL when out of memory. */
const char *ytree_copy_text(ytree_arena *a, const char *text, size_t length);

enum ynode_kind { YNODE_SCALAR, YNODE_MAPPING, YNODE_SEQUENCE, YNODE_ALIAS };

/* The reader's settings annotate the nodes they write (scenario.c,
 * "settings"); the parser leaves these empty. */
typedef struct yorigin yorigin;       /* where a setting was written */
typedef struct yoverride yoverride;   /* a setting's change to a CSV cell */

/* Mapping children alternate key, value; aliases point at their anchor's
 * node instead of copying it, so an alias bomb costs nothing to build
 * and the reader's fixed depth bounds what it costs to read.  Settings
 * never change a parsed node: they copy the nodes on their path, so one
 * parsed tree serves every point of a sweep. */
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
                                 * target) are: see own_list in
                                 * scenario.c */
} ynode;

/* Parses text (path names it in messages) into nodes in a; *root is NULL
 * for an empty stream.  Returns 0, WS_EDATA for a syntax error (libfyaml's
 * message and position) or a tree the format refuses, or WS_ENOMEM. */
int ytree_parse(ytree_arena *a, const char *text, size_t length,
                const char *path, ynode **root, ws_error *err);

/* An alias's target; any other node (or NULL) itself. */
ynode *ynode_resolve(ynode *n);
/* YAML's plain null: empty, ~, null, Null or NULL. */
int ytree_text_is_null(const char *text);
/* A plain scalar that is null. */
int ynode_is_null(const ynode *n);
/* "a mapping", "a sequence", "a scalar" or "nothing (null)". */
const char *ynode_describe(const ynode *n);
/* key is the scalar name. */
int ynode_key_is(const ynode *key, const char *name);
/* The value of key name in mapping map (resolved), or NULL; *key_node,
 * when not NULL, is the key. */
ynode *ynode_lookup(ynode *map, const char *name, ynode **key_node);

#endif
