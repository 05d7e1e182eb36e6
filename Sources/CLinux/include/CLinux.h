// C library functions Bento's system layer needs that Swift's Glibc module does not export, because their
// headers lie outside its module map (malloc.h) or need _GNU_SOURCE (struct ucred). Rules: thin wrappers with
// no state of their own; each returns what the C library reports. Only BentoSystem imports this target.
#ifndef CLINUX_H
#define CLINUX_H

#include <stddef.h>

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

/// Sets the calling thread's supplementary groups to `groups[0..<count]` with the raw system call: glibc's
/// setgroups() changes every thread of the process, this only the caller (the kernel's credentials are per
/// thread). Needs CAP_SETGID. Returns 0 or a negative errno.
int bento_thread_set_groups(size_t count, const unsigned *groups);

/// The calling thread's supplementary groups: their count, written into `groups` when `capacity` is enough (0
/// asks for the count only). Returns the count or a negative errno (-EINVAL when `capacity` is too small).
int bento_thread_get_groups(int capacity, unsigned *groups);

/// Writes `count` bytes from `buffer` at `offset` of file `fd`, at that offset even when `fd` was opened O_APPEND
/// (pwritev2 with RWF_NOAPPEND, Linux 6.9 and later; an older kernel gets a plain pwrite, which appends on such a
/// file). Returns the bytes written, or -1 with errno set.
long bento_pwrite_at_offset(int fd, const void *buffer, size_t count, long long offset);

#endif
