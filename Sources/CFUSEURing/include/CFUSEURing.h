// The io_uring calls Bento's FUSE-over-io_uring transport needs, as plain C functions over the raw io_uring
// system calls and shared rings (no liburing: the build needs only the kernel's UAPI headers). Rules: no FUSE
// knowledge here (the command bytes come from FUSEWire's layout), no allocation besides the ring itself, errors
// as negative errno values.
#ifndef CFUSEURING_H
#define CFUSEURING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/// An io_uring instance (its descriptor and shared-ring mappings; opaque, defined in CFUSEURing.c), owned by
/// the caller from `bento_uring_create` to `bento_uring_destroy`. One thread uses a ring at a time.
typedef struct bento_uring bento_uring;

/// Creates a ring of `entries` 128-byte SQEs (IORING_SETUP_SQE128, which IORING_OP_URING_CMD on /dev/fuse
/// requires) and twice as many CQEs. Returns NULL and sets `*error` to a negative errno on failure.
bento_uring *bento_uring_create(unsigned entries, int *error);

/// Queues (does not submit) one IORING_OP_URING_CMD SQE on `fd`: `command` as cmd_op, `command_size` bytes of
/// `command_area` copied into the SQE's 80-byte command area (the rest zeroed), `buffers` as the SQE's address
/// and `buffer_count` as its length (NULL and 0 when the command has none; they must stay valid until the
/// command completes). Returns 0, -EINVAL when the command area is too big, or -EBUSY when the SQ is full.
int bento_uring_queue_command(bento_uring *ring, int fd, uint32_t command, const void *command_area,
                              size_t command_size, const struct iovec *buffers, unsigned buffer_count,
                              uint64_t user_data);

/// Submits the queued SQEs without waiting. Returns how many were submitted, or a negative errno.
int bento_uring_submit(bento_uring *ring);

/// Submits the queued SQEs and waits for one completion, which it consumes: its `user_data` and `res`.
/// Returns 0 or a negative errno (-EINTR: nothing was consumed, call again).
int bento_uring_submit_and_wait(bento_uring *ring, uint64_t *user_data, int32_t *result);

/// Consumes one completion if one is ready without waiting: 1 and its fields, or 0.
int bento_uring_next_completion(bento_uring *ring, uint64_t *user_data, int32_t *result);

/// Tears the ring down (the kernel cancels commands still pending) and frees it.
void bento_uring_destroy(bento_uring *ring);

/// Binds the calling thread to CPU `cpu`. Returns 0 or a negative errno.
int bento_uring_pin_thread(int cpu);

#endif
