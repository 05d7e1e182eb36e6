#define _GNU_SOURCE  // struct ucred
#include "CLinux.h"

#include <errno.h>
#include <malloc.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x00000020
#endif

int bento_malloc_limit_arenas(int count) {
#ifdef M_ARENA_MAX
    return mallopt(M_ARENA_MAX, count);
#else
    (void)count;
    return 0;
#endif
}

int bento_malloc_keep_buffers(int mmap_threshold, int trim_threshold, int top_pad) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD) && defined(M_TOP_PAD)
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1 &&
           mallopt(M_TOP_PAD, top_pad) == 1;
#else
    (void)mmap_threshold;
    (void)trim_threshold;
    (void)top_pad;
    return 0;
#endif
}

int bento_peer_user(int socket, unsigned *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return 0;
    *uid = credentials.uid;
    return 1;
}

int bento_thread_set_groups(size_t count, const unsigned *groups) {
    return syscall(SYS_setgroups, count, groups) == 0 ? 0 : -errno;
}

int bento_thread_get_groups(int capacity, unsigned *groups) {
    long count = syscall(SYS_getgroups, capacity, groups);
    return count < 0 ? -errno : (int)count;
}

long bento_pwrite_at_offset(int fd, const void *buffer, size_t count, long long offset) {
    struct iovec piece = {(void *)buffer, count};
    long written = pwritev2(fd, &piece, 1, offset, RWF_NOAPPEND);
    if (written < 0 && errno == EOPNOTSUPP) return pwrite(fd, buffer, count, offset);  // before Linux 6.9
    return written;
}
