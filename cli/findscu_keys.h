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

#endif
