#!/usr/bin/env python3
"""System calls with boundary numbers on a directory of any file system; one line per call: what, then the result.

Usage: hostile_calls.py DIRECTORY

Calls directory reads after a far lseek (the read that killed an xv6fs mount), reads, writes, truncates,
fallocates, SEEK_DATA/SEEK_HOLE and copy_file_range at offsets on every boundary (block size +- 1, 2^31 +- 1,
2^32 +- 1, 2^40, 2^62, 2^63 - 1), and times at the limits. A result is a count (entries, bytes, an offset), "ok",
or an errno name. Lines starting with "=" depend neither on the file system's largest file nor on its block size
or directory cookies, so their results must equal ext4's; the others must only get an answer (a far directory
read lists nothing on file systems whose cookies are positions; ext4's are hashes). The test that runs this (Tests/IntegrationTests/
HostileCallTests.swift) compares the "=" lines with the same script on ext4 and checks the mount still serves.
"""
import ctypes
import errno
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_GETDENTS64 = 217
SEEK_DATA, SEEK_HOLE = 3, 4
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE = 0x01, 0x02, 0x10

EXTREMES = [0, 1, 4095, 4096, 4097, 10_000, 10_001, 2**31 - 1, 2**31, 2**31 + 1, 2**32 - 1, 2**32, 2**32 + 1,
            2**40, 2**62, 2**63 - 1]
FAR = [2**32 + 1, 2**40, 2**62, 2**63 - 1]


def attempt(call):
    """The call's result, or the name of the errno it raised."""
    try:
        result = call()
        return "ok" if result is None else str(result)
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))


def getdents(fd):
    """How many entries one getdents64 returns."""
    buffer = ctypes.create_string_buffer(65536)
    count = libc.syscall(SYS_GETDENTS64, fd, buffer, len(buffer))
    if count < 0:
        raise OSError(ctypes.get_errno(), "getdents64")
    entries, offset = 0, 0
    while offset < count:
        entries += 1
        offset += int.from_bytes(buffer.raw[offset + 16:offset + 18], "little")
    return entries


def fallocate(fd, mode, offset, length):
    if libc.fallocate(fd, mode, ctypes.c_long(offset), ctypes.c_long(length)) != 0:
        raise OSError(ctypes.get_errno(), "fallocate")


def report(exact, what, call):
    print(("= " if exact else "  ") + f"{what}: {attempt(call)}", flush=True)


def main(root):
    directory = os.path.join(root, "dir")
    os.mkdir(directory)
    for index in range(40):
        open(os.path.join(directory, f"entry-{index}"), "w").close()
    path = os.path.join(root, "file")
    with open(path, "wb") as file:
        file.write(b"\x5a" * 10_000)

    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    for offset in EXTREMES:
        os.lseek(fd, 0, os.SEEK_SET)
        report(False, f"getdents after lseek {offset}", lambda: (os.lseek(fd, offset, os.SEEK_SET), getdents(fd))[1])
    for offset in FAR:
        report(False, f"getdents after lseek {offset}", lambda: (os.lseek(fd, offset, os.SEEK_SET), getdents(fd))[1])
    os.close(fd)

    fd = os.open(path, os.O_RDWR)
    copy = os.open(os.path.join(root, "copy"), os.O_RDWR | os.O_CREAT, 0o644)
    for offset in EXTREMES:
        report(offset >= 2**40, f"pread {offset}", lambda: len(os.pread(fd, 4096, offset)))
        for whence, name in ((SEEK_DATA, "SEEK_DATA"), (SEEK_HOLE, "SEEK_HOLE")):
            report(offset >= 2**40, f"lseek {name} {offset}", lambda: os.lseek(fd, offset, whence))
        report(False, f"copy_file_range 0 -> {offset}",
               lambda: os.copy_file_range(fd, copy, 2**20, offset_src=0, offset_dst=offset))
        report(False, f"copy_file_range {offset} -> 0",
               lambda: os.copy_file_range(fd, copy, 2**20, offset_src=offset, offset_dst=0))
        for mode, name in ((FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, "punch"), (FALLOC_FL_KEEP_SIZE, "keep"),
                           (FALLOC_FL_ZERO_RANGE, "zero")):
            report(False, f"fallocate {name} {offset} 4096", lambda: fallocate(fd, mode, offset, 4096))
        report(False, f"pwrite {offset}", lambda: os.pwrite(fd, b"12345", offset))
        report(False, f"truncate {offset}", lambda: os.ftruncate(copy, offset))
        report(False, f"utime {offset}", lambda: os.utime(path, ns=(offset, offset)))
    report(True, "pwrite ending past 2^63 - 1", lambda: os.pwrite(fd, b"12345", 2**63 - 3))
    report(True, "pwrite at 2^63 - 1", lambda: os.pwrite(fd, b"1", 2**63 - 1))
    report(True, "truncate to 2^63 - 1", lambda: os.ftruncate(fd, 2**63 - 1))
    report(True, "fallocate 2^63 - 4096 + 8192", lambda: fallocate(fd, 0, 2**63 - 4096, 8192))
    report(True, "fallocate of nothing", lambda: fallocate(fd, 0, 0, 0))
    report(True, "utime at the epoch's far end", lambda: os.utime(path, ns=(-(2**63), 2**63 - 1)) and None)
    os.close(copy)
    os.close(fd)


if __name__ == "__main__":
    main(sys.argv[1])
