#include "findscu_batch.h"
int fs_batch_run(const fs_options *o, const dq_assoc_user_identity *identity,
                 dq_dataset *const *templates, size_t n) { (void)o;(void)identity;(void)templates;(void)n; return 0; }
