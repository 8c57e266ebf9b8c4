/* findscu: query by level (-L/--level, --keys) from the generated PS3.4 key
 * tables (dq/query_keys.h): the level's keys added to the identifier as
 * universal return keys, and warnings about keys the level does not define. */
#ifndef FINDSCU_KEYS_H
#define FINDSCU_KEYS_H

#include <dq/dataset.h>

#include "findscu_args.h"

/* With -L or --keys: sets Query/Retrieve Level and adds every key the level's
 * template selects that ds does not hold yet (empty values; sequences with
 * one item of their selected keys), then logs the key checks as warnings.
 * Without them it does nothing. -1 (logged) when ds cannot be changed. */
int fs_keys_apply(const fs_options *o, dq_dataset *ds);

/* --expand: the level below `level` when the walk goes on (down to
 * o->expand), else NULL. */
const char *fs_keys_next_level(const fs_options *o, const char *level);

/* --expand: the identifier of a query at `level` for the entity of one
 * match of the level above: Query/Retrieve Level, the unique key of every
 * level above with the match's value (PS3.4 C.4.1.2.1), the level's keys as
 * -L adds them (--keys all: every key). -1 with *err when the match lacks
 * one of those unique keys. */
int fs_keys_child(const fs_options *o, const char *level, const dq_dataset *match, dq_dataset **out,
                  dq_error *err);

#endif
