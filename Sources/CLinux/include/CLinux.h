// C library functions Bento's system layer needs that Swift's Glibc module does not export, because their
// headers lie outside its module map (malloc.h, sys/xattr.h, sys/vfs.h) or need _GNU_SOURCE (struct ucred,
// name_to_handle_at, renameat2, setfsuid, copy_file_range, fallocate). Rules: thin wrappers with no state of their
// own; each returns what the C library reports (-1 and errno on failure, as the function it wraps). Only
// BentoSystem imports this target.
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

/// The process id of the process connected at the other end of Unix socket `socket` (SO_PEERCRED) in `*pid`.
/// Returns 1, or 0 when the kernel does not say.
int bento_peer_process(int socket, int *pid);

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

/// name_to_handle_at(2): `handle` is a `struct file_handle` whose `handle_bytes` the caller set.
int bento_name_to_handle_at(int directory, const char *path, void *handle, int *mount_id, int flags);

/// open_by_handle_at(2).
int bento_open_by_handle_at(int mount_descriptor, void *handle, int flags);

/// renameat2(2).
int bento_renameat2(int directory, const char *name, int new_directory, const char *new_name, unsigned flags);

/// setfsuid(2) and setfsgid(2): the calling thread's file-system ids; each returns the previous id.
int bento_setfsuid(unsigned uid);
int bento_setfsgid(unsigned gid);

/// copy_file_range(2).
long bento_copy_file_range(int source, long long *source_offset, int destination, long long *destination_offset,
                           size_t length, unsigned flags);

/// fallocate(2).
int bento_fallocate(int fd, int mode, long long offset, long long length);

/// getxattr(2), setxattr(2), listxattr(2), removexattr(2) on a path (symlinks followed).
long bento_getxattr(const char *path, const char *name, void *value, size_t size);
int bento_setxattr(const char *path, const char *name, const void *value, size_t size, int flags);
long bento_listxattr(const char *path, char *list, size_t size);
int bento_removexattr(const char *path, const char *name);

/// The type of the file system holding open file `fd` (fstatfs(2)'s `f_type`) in `*type`. Returns 0 or -1.
int bento_file_system_type(int fd, long long *type);

#endif
