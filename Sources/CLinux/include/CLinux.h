// C library functions Bento's system layer needs that Swift's Glibc module does not export, because their
// headers lie outside its module map (malloc.h). Rules: thin wrappers with no state of their own; each returns
// what the C library reports. Only BentoSystem imports this target.
#ifndef CLINUX_H
#define CLINUX_H

/// Caps the number of malloc arenas at `count` (mallopt(M_ARENA_MAX, count)). Returns 1 on success, 0 when the
/// C library refused. Call before the process starts threads: arenas made earlier stay.
int bento_malloc_limit_arenas(int count);

#endif
