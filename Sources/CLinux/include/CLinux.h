// C library functions Bento's system layer needs that Swift's Glibc module does not export, because their
// headers lie outside its module map (malloc.h) or need _GNU_SOURCE (struct ucred). Rules: thin wrappers with
// no state of their own; each returns what the C library reports. Only BentoSystem imports this target.
#ifndef CLINUX_H
#define CLINUX_H

/// Caps the number of malloc arenas at `count` (mallopt(M_ARENA_MAX, count)). Returns 1 on success, 0 when the
/// C library refused. Call before the process starts threads: arenas made earlier stay.
int bento_malloc_limit_arenas(int count);

/// Serves allocations up to `mmap_threshold` bytes from the arenas instead of a mapping of their own, returns free
/// memory at the top of the heap to the system only beyond `trim_threshold` bytes, and grows the heap by `top_pad`
/// bytes more than each request needs (mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_TOP_PAD; setting either of
/// the first two ends glibc's own adjustment of both). Returns 1 on success, 0 when the C library refused any.
int bento_malloc_keep_buffers(int mmap_threshold, int trim_threshold, int top_pad);

/// The user id of the process connected at the other end of Unix socket `socket` (getsockopt SO_PEERCRED) in
/// `*uid`. Returns 1, or 0 when the kernel does not say.
int bento_peer_user(int socket, unsigned *uid);

#endif
