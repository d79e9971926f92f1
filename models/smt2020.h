/* smt2020.h - reader of the SMT2020 testbed data sets (HVLM, LVHM).
 *
 * An SMT2020 data set is a directory of eleven tab-separated files in the
 * style of AutoSched AP (part.txt, route_N.txt, tool.txt.1l, order.txt,
 * WIP.txt, setup.txt, setupgrp.txt, downcal.txt, pmcal.txt, attach.txt,
 * fromto.txt).  smt2020_load turns one into a model: tool families become
 * tool groups, each order a release order, WIP.txt the initial lots, and so
 * on; the modelling choices where the files leave room are in
 * docs/smt2020.md.  Every file read is added to the model's sources.
 */
#ifndef WAFERSIM_SMT2020_H
#define WAFERSIM_SMT2020_H

#include "model.h"
#include "../sim/wserror.h"

/* Reads the data set in directory dir into m, which must hold no groups or
 * products yet.  Its top-level settings are kept, except start_date, which
 * becomes midnight of the earliest order START (without orders, the first
 * midnight by which all WIP has started; docs/smt2020.md).  Errors:
 * WS_ENOINPUT (with the path) for a missing or unreadable file or
 * directory, WS_EDATA with path:line:col for a bad row, WS_ENOMEM.  On an
 * error m may be partly filled: the caller destroys it. */
int smt2020_load(model *m, const char *dir, ws_error *err);

#endif
