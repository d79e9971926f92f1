/* scenario.h - reads a scenario: a YAML file (libfyaml) and the route CSV
 * files it references by path relative to itself.  docs/scenario-format.md
 * is the reference of every key.
 *
 * Every problem is reported with its position: err->path, line and col
 * point into the YAML or CSV file at fault, err->code is WS_EDATA for bad
 * content and WS_ENOINPUT when the scenario file itself cannot be read
 * (a route file that cannot be read is bad content of the scenario:
 * WS_EDATA at the key that names it).
 */
#ifndef WAFERSIM_SCENARIO_H
#define WAFERSIM_SCENARIO_H

#include <stddef.h>
#include "model.h"
#include "../sim/wserror.h"

int scenario_load_file(const char *path, model **out, ws_error *err);

/* Reads a scenario from memory; path names it in messages and anchors
 * relative route paths. */
int scenario_load_string(const char *text, size_t length, const char *path,
                         model **out, ws_error *err);

#endif
