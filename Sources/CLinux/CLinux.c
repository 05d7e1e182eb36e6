#define _GNU_SOURCE  // struct ucred, name_to_handle_at, renameat2, setfsuid, copy_file_range, fallocate
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
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

int bento_peer_process(int socket, int *pid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return 0;
    *pid = credentials.pid;
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

int bento_name_to_handle_at(int directory, const char *path, void *handle, int *mount_id, int flags) {
    return name_to_handle_at(directory, path, (struct file_handle *)handle, mount_id, flags);
}

int bento_open_by_handle_at(int mount_descriptor, void *handle, int flags) {
    return open_by_handle_at(mount_descriptor, (struct file_handle *)handle, flags);
}

int bento_renameat2(int directory, const char *name, int new_directory, const char *new_name, unsigned flags) {
    return renameat2(directory, name, new_directory, new_name, flags);
}

int bento_setfsuid(unsigned uid) { return setfsuid(uid); }

int bento_setfsgid(unsigned gid) { return setfsgid(gid); }

long bento_copy_file_range(int source, long long *source_offset, int destination, long long *destination_offset,
                           size_t length, unsigned flags) {
    off_t from = (off_t)*source_offset, to = (off_t)*destination_offset;
    ssize_t copied = copy_file_range(source, &from, destination, &to, length, flags);
    *source_offset = from;
    *destination_offset = to;
    return (long)copied;
}

int bento_fallocate(int fd, int mode, long long offset, long long length) {
    return fallocate(fd, mode, (off_t)offset, (off_t)length);
}

long bento_getxattr(const char *path, const char *name, void *value, size_t size) {
    return (long)getxattr(path, name, value, size);
}

int bento_setxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
    return setxattr(path, name, value, size, flags);
}

long bento_listxattr(const char *path, char *list, size_t size) { return (long)listxattr(path, list, size); }

int bento_removexattr(const char *path, const char *name) { return removexattr(path, name); }

int bento_file_system_type(int fd, long long *type) {
    struct statfs status;
    if (fstatfs(fd, &status) != 0) return -1;
    *type = (long long)status.f_type;
    return 0;
}
