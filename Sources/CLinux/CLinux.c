#include "CLinux.h"

#include <malloc.h>

int bento_malloc_limit_arenas(int count) {
#ifdef M_ARENA_MAX
    return mallopt(M_ARENA_MAX, count);
#else
    (void)count;
    return 0;
#endif
}
