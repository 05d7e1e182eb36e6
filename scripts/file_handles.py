#!/usr/bin/env python3
"""File handles on a mounted file system: name_to_handle_at, then open_by_handle_at after the kernel forgot.

Usage: file_handles.py make MOUNTPOINT STATE    makes files in MOUNTPOINT/handles, saves their handles in STATE
       file_handles.py open MOUNTPOINT STATE    opens the saved handles (run again after a remount)
       file_handles.py remove MOUNTPOINT STATE  removes the file `a` and opens its handle again

Each step drops the kernel's caches first (echo 3 > /proc/sys/vm/drop_caches), so an open_by_handle_at reaches the
file system instead of an inode the kernel still holds, then prints one line per handle: what was opened and what
it read (a file's bytes, a directory's sorted names) or the errno's name. Run as root (CAP_DAC_READ_SEARCH). The
test that runs this (Tests/IntegrationTests/FileHandleTests.swift) compares the lines with ext4's.
"""
import ctypes
import errno
import json
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
MAX_HANDLE_SZ = 128
AT_FDCWD = -100
FILES = {"a": b"alpha\n", "d/b": b"beta\n"}


class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int),
                ("f_handle", ctypes.c_ubyte * MAX_HANDLE_SZ)]


def handle_of(path):
    """(type, bytes) of path's handle."""
    handle = FileHandle(handle_bytes=MAX_HANDLE_SZ)
    mount_id = ctypes.c_int()
    if libc.name_to_handle_at(AT_FDCWD, path.encode(), ctypes.byref(handle), ctypes.byref(mount_id), 0) != 0:
        raise OSError(ctypes.get_errno(), "name_to_handle_at " + path)
    return handle.handle_type, bytes(handle.f_handle[:handle.handle_bytes])


def open_handle(mountpoint, saved, flags):
    """A descriptor for a saved handle, opened through the mount."""
    kind, raw = saved
    handle = FileHandle(handle_bytes=len(raw), handle_type=kind)
    ctypes.memmove(handle.f_handle, raw, len(raw))
    mount_fd = os.open(mountpoint, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), flags)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "open_by_handle_at")
        return fd
    finally:
        os.close(mount_fd)


def describe(mountpoint, name, saved):
    """One line: the handle's name and what opening it gives."""
    directory = name == "d"
    try:
        fd = open_handle(mountpoint, saved, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError as error:
        return f"{name}: {errno.errorcode.get(error.errno, error.errno)}"
    try:
        if directory:
            return f"{name}: lists {' '.join(sorted(os.listdir(fd)))}"
        return f"{name}: reads {os.read(fd, 100)!r}"
    finally:
        os.close(fd)


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as control:
        control.write("3\n")


def main():
    step, mountpoint, state = sys.argv[1], sys.argv[2], sys.argv[3]
    root = os.path.join(mountpoint, "handles")
    if step == "make":
        os.makedirs(os.path.join(root, "d"))
        for name, data in FILES.items():
            with open(os.path.join(root, name), "wb") as file:
                file.write(data)
        handles = {name: handle_of(os.path.join(root, name)) for name in ["a", "d", "d/b"]}
        with open(state, "w") as file:
            json.dump({name: [kind, raw.hex()] for name, (kind, raw) in handles.items()}, file)
    with open(state) as file:
        handles = {name: (kind, bytes.fromhex(raw)) for name, (kind, raw) in json.load(file).items()}
    if step == "remove":
        os.unlink(os.path.join(root, "a"))
        handles = {"a": handles["a"]}
    drop_caches()
    for name, saved in handles.items():
        print(describe(mountpoint, name, saved))


if __name__ == "__main__":
    main()
