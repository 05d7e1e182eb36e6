// See include/CFUSEURing.h: the io_uring system calls and the shared rings, spoken directly (no liburing), so the
// build needs only the kernel's UAPI header <linux/io_uring.h> (linux-libc-dev). Only what Bento uses is here:
// no SQPOLL, no IOPOLL, 128-byte SQEs, 16-byte CQEs, one thread per ring (see BentoHost/URing.swift).
#define _GNU_SOURCE
#include "CFUSEURing.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// What an older <linux/io_uring.h> may lack, with the values of the kernel's include/uapi/linux/io_uring.h.
// IORING_SETUP_SQE128 and IORING_OP_URING_CMD (an enum constant, so not testable with #ifdef) came together in
// Linux 5.19: a header without the first lacks the second too.
#ifndef IORING_SETUP_SQE128
#define IORING_SETUP_SQE128 (1U << 10)
#define IORING_OP_URING_CMD 46
#endif
#ifndef IORING_SETUP_CQSIZE
#define IORING_SETUP_CQSIZE (1U << 3)
#endif
#ifndef IORING_FEAT_SINGLE_MMAP
#define IORING_FEAT_SINGLE_MMAP (1U << 0)
#endif
#ifndef IORING_SQ_CQ_OVERFLOW
#define IORING_SQ_CQ_OVERFLOW (1U << 1)
#endif
#ifndef IORING_SQ_TASKRUN
#define IORING_SQ_TASKRUN (1U << 2)
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif

/// A 128-byte SQE (IORING_SETUP_SQE128): the 64-byte `struct io_uring_sqe` followed by 64 more bytes. For
/// IORING_OP_URING_CMD, `cmd_op` is the u32 at byte 8 (in a union with `off`) and the command area is the 80
/// bytes from byte 48 (`cmd`, in a union with `addr3`). Written by offset, so an older header's struct will do.
enum {
    sqe_size = 128,
    command_op_offset = 8,
    command_area_offset = 48,
    command_area_size = sqe_size - command_area_offset,  // 80
};
_Static_assert(sizeof(struct io_uring_sqe) == 64, "a base SQE is 64 bytes");
_Static_assert(offsetof(struct io_uring_sqe, off) == command_op_offset, "cmd_op shares its place with off");
_Static_assert(sizeof(struct io_uring_cqe) == 16, "CQEs are 16 bytes (no IORING_SETUP_CQE32)");

/// One ring: its descriptor, the three shared mappings and where the kernel's fields live in them.
struct bento_uring {
    int fd;
    /// The SQ ring mapping (which is also the CQ ring under IORING_FEAT_SINGLE_MMAP) and its size.
    void *sq_ring;
    size_t sq_ring_size;
    /// The CQ ring mapping and its size (the SQ ring's, not mapped again, under IORING_FEAT_SINGLE_MMAP).
    void *cq_ring;
    size_t cq_ring_size;
    /// The SQE array (`sq_entries` of 128 bytes) and its size.
    unsigned char *sqes;
    size_t sqes_size;

    /// SQ: the kernel advances `sq_head` as it consumes SQEs; we alone write `sq_tail` (mirrored in
    /// `sq_local_tail`) and the index array `sq_array`; the kernel raises `sq_flags` bits (CQ overflow).
    unsigned *sq_head;
    unsigned *sq_tail;
    unsigned *sq_flags;
    unsigned *sq_array;
    unsigned sq_mask;
    unsigned sq_entries;
    unsigned sq_local_tail;

    /// CQ: the kernel advances `cq_tail` as it posts CQEs; we alone advance `cq_head` as we consume them.
    unsigned *cq_head;
    unsigned *cq_tail;
    unsigned cq_mask;
    struct io_uring_cqe *cqes;
};

static int uring_setup(unsigned entries, struct io_uring_params *params) {
    long result = syscall(__NR_io_uring_setup, entries, params);
    return result < 0 ? -errno : (int)result;
}

static int uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
    long result = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, NULL, (size_t)0);
    return result < 0 ? -errno : (int)result;
}

/// Unmaps and closes whatever `ring` holds so far, and frees it.
static void release(struct bento_uring *ring) {
    if (ring->sqes != NULL) munmap(ring->sqes, ring->sqes_size);
    if (ring->cq_ring != NULL && ring->cq_ring != ring->sq_ring) munmap(ring->cq_ring, ring->cq_ring_size);
    if (ring->sq_ring != NULL) munmap(ring->sq_ring, ring->sq_ring_size);
    if (ring->fd >= 0) close(ring->fd);
    free(ring);
}

static void *map(int fd, size_t size, off_t offset) {
    void *pointer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
    return pointer == MAP_FAILED ? NULL : pointer;
}

static void *at(void *base, unsigned offset) { return (unsigned char *)base + offset; }

bento_uring *bento_uring_create(unsigned entries, int *error) {
    struct bento_uring *ring = calloc(1, sizeof *ring);
    if (ring == NULL) {
        *error = -ENOMEM;
        return NULL;
    }
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    params.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
    params.cq_entries = 2 * entries;
    ring->fd = uring_setup(entries, &params);  // the kernel makes it close-on-exec
    if (ring->fd < 0) {
        *error = ring->fd;
        free(ring);
        return NULL;
    }

    // The sizes liburing's io_uring_mmap uses: each ring up to the end of its last array.
    ring->sq_ring_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    ring->cq_ring_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    int single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) {
        if (ring->cq_ring_size > ring->sq_ring_size) ring->sq_ring_size = ring->cq_ring_size;
        ring->cq_ring_size = ring->sq_ring_size;
    }
    ring->sq_ring = map(ring->fd, ring->sq_ring_size, IORING_OFF_SQ_RING);
    if (ring->sq_ring == NULL) goto failed;
    ring->cq_ring = single ? ring->sq_ring : map(ring->fd, ring->cq_ring_size, IORING_OFF_CQ_RING);
    if (ring->cq_ring == NULL) goto failed;
    ring->sqes_size = (size_t)params.sq_entries * sqe_size;
    ring->sqes = map(ring->fd, ring->sqes_size, IORING_OFF_SQES);
    if (ring->sqes == NULL) goto failed;

    ring->sq_head = at(ring->sq_ring, params.sq_off.head);
    ring->sq_tail = at(ring->sq_ring, params.sq_off.tail);
    ring->sq_flags = at(ring->sq_ring, params.sq_off.flags);
    ring->sq_array = at(ring->sq_ring, params.sq_off.array);
    ring->sq_mask = *(unsigned *)at(ring->sq_ring, params.sq_off.ring_mask);
    ring->sq_entries = *(unsigned *)at(ring->sq_ring, params.sq_off.ring_entries);
    ring->sq_local_tail = *ring->sq_tail;
    ring->cq_head = at(ring->cq_ring, params.cq_off.head);
    ring->cq_tail = at(ring->cq_ring, params.cq_off.tail);
    ring->cq_mask = *(unsigned *)at(ring->cq_ring, params.cq_off.ring_mask);
    ring->cqes = at(ring->cq_ring, params.cq_off.cqes);
    // SQ slot i always holds SQE i (as liburing sets it up): the index array is the identity.
    for (unsigned index = 0; index < ring->sq_entries; index++) ring->sq_array[index] = index;
    return ring;

failed:
    *error = -errno;
    release(ring);
    return NULL;
}

int bento_uring_queue_command(bento_uring *ring, int fd, uint32_t command, const void *command_area,
                              size_t command_size, const struct iovec *buffers, unsigned buffer_count,
                              uint64_t user_data) {
    if (command_size > command_area_size) return -EINVAL;
    // The kernel advances the head once it has read an SQE; acquire, so our writes to that slot follow it.
    unsigned head = __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
    unsigned tail = ring->sq_local_tail;
    if (tail - head >= ring->sq_entries) return -EBUSY;
    unsigned index = tail & ring->sq_mask;
    unsigned char *bytes = ring->sqes + (size_t)index * sqe_size;
    memset(bytes, 0, sqe_size);
    struct io_uring_sqe *sqe = (struct io_uring_sqe *)bytes;
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = fd;
    memcpy(bytes + command_op_offset, &command, sizeof command);
    sqe->addr = (uint64_t)(uintptr_t)buffers;
    sqe->len = buffer_count;
    sqe->user_data = user_data;
    if (command_size > 0) memcpy(bytes + command_area_offset, command_area, command_size);
    ring->sq_array[index] = index;
    ring->sq_local_tail = tail + 1;
    // Release: the kernel that sees the new tail sees the SQE's contents too.
    __atomic_store_n(ring->sq_tail, tail + 1, __ATOMIC_RELEASE);
    return 0;
}

/// SQEs queued that the kernel has not consumed yet (liburing's __io_uring_flush_sq).
static unsigned pending(const struct bento_uring *ring) {
    return ring->sq_local_tail - __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);
}

/// Whether completions wait in the kernel for an io_uring_enter with GETEVENTS (CQ overflow, deferred task work).
static int completions_need_enter(const struct bento_uring *ring) {
    return (__atomic_load_n(ring->sq_flags, __ATOMIC_RELAXED) & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN)) != 0;
}

/// Consumes the CQE at the head, if any: 1 and its fields, or 0.
static int take_completion(struct bento_uring *ring, uint64_t *user_data, int32_t *result) {
    unsigned head = __atomic_load_n(ring->cq_head, __ATOMIC_RELAXED);  // only we write it
    // Acquire pairs with the kernel's release of the tail: the CQEs before it are complete.
    unsigned tail = __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE);
    if (head == tail) return 0;
    const struct io_uring_cqe *cqe = &ring->cqes[head & ring->cq_mask];
    *user_data = cqe->user_data;
    *result = cqe->res;
    // Release: our reads of the CQE are done before the kernel may reuse its slot.
    __atomic_store_n(ring->cq_head, head + 1, __ATOMIC_RELEASE);
    return 1;
}

int bento_uring_submit(bento_uring *ring) {
    unsigned to_submit = pending(ring);
    unsigned flags = completions_need_enter(ring) ? IORING_ENTER_GETEVENTS : 0;
    if (to_submit == 0 && flags == 0) return 0;
    return uring_enter(ring->fd, to_submit, 0, flags);
}

int bento_uring_submit_and_wait(bento_uring *ring, uint64_t *user_data, int32_t *result) {
    for (;;) {
        unsigned to_submit = pending(ring);
        if (to_submit == 0 && take_completion(ring, user_data, result)) return 0;
        int entered = uring_enter(ring->fd, to_submit, 1, IORING_ENTER_GETEVENTS);
        if (entered < 0) {
            // Nothing consumed: -EINTR (a signal ended the wait) goes back to the caller, who calls again.
            if (entered == -EINTR || to_submit == 0) return entered;
            // -EAGAIN (no memory for requests) or -EBUSY (older kernels: overflowed completions to reap first)
            // leaves the SQEs queued for the next call; hand out a completion if one is there (flushing any
            // overflow, not waiting: the commands in flight may be none), else report the error, as liburing does.
            if (entered == -EAGAIN || entered == -EBUSY) {
                if (uring_enter(ring->fd, 0, 0, IORING_ENTER_GETEVENTS) >= 0 &&
                    take_completion(ring, user_data, result))
                    return 0;
            }
            return entered;
        }
        // The kernel may have submitted only some SQEs (it then skips the wait), or been interrupted after
        // submitting (it then returns the count, not -EINTR): take a completion if there is one, else go again.
        if (take_completion(ring, user_data, result)) return 0;
    }
}

int bento_uring_next_completion(bento_uring *ring, uint64_t *user_data, int32_t *result) {
    if (take_completion(ring, user_data, result)) return 1;
    if (!completions_need_enter(ring)) return 0;
    // Completions wait in the kernel's overflow list: flush them into the CQ ring without waiting.
    if (uring_enter(ring->fd, 0, 0, IORING_ENTER_GETEVENTS) < 0) return 0;
    return take_completion(ring, user_data, result);
}

void bento_uring_destroy(bento_uring *ring) {
    if (ring != NULL) release(ring);
}

int bento_uring_pin_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -errno;
}
