#!/usr/bin/env python3
"""Randomized differential testing: the same random system calls on two directories, every answer compared.

Usage:
  fuzz_ops.py run OURS REFERENCE [--seed N] [--sequences N] [--ops N] [--report DIR]
  fuzz_ops.py concurrent DIRECTORY [--seed N] [--processes N] [--ops N]
  fuzz_ops.py replay FILE DIRECTORY

`run` generates SEQUENCES random sequences of OPS calls (seeded: the same seed gives the same calls), runs each
in a fresh subdirectory of OURS (a Bento mount) and of REFERENCE (tmpfs or ext4), and compares every return
value and errno, then the final trees (types, permissions, owners, link counts, sizes, contents, symlink
targets, user.* extended attributes). The calls are those programs make: open with every flag, read, write,
pread/pwrite at offsets, lseek, truncate, fallocate modes, writes through mmap, fsync, rename (with
RENAME_NOREPLACE and RENAME_EXCHANGE), link, unlink, rmdir, mkdir, symlink, readlink, chmod, chown, utimensat,
xattrs, stat, directory listings, and a directory read while the directory changes. Some path calls run as an
unprivileged user (uid/gid 1000, in a forked child), so permission answers are compared too. Times are not
compared (two runs happen at different moments) except those utimensat sets.

On a difference the sequence is shrunk (delta debugging, every candidate run afresh on both sides) to a minimal
one that still differs, printed as a runnable script (`python3 repro.py DIRECTORY`) and as an in-process Swift
test (the InProcess driver's calls); with --report both are written to DIR. Exit status 1 on a difference.

`concurrent` runs PROCESSES processes doing random calls on one shared tree, then checks what must hold whatever
the interleaving: every name can be stat'ed, each file's link count equals the names it has, reading a file
gives exactly its size, no listing shows a name twice. `replay` runs a saved sequence and prints each answer.
"""
import argparse
import ctypes
import errno
import json
import mmap
import os
import random
import stat
import sys
import zlib

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
SYS_RENAMEAT2 = 316
AT_FDCWD = -100
RENAME_FLAGS = {"": 0, "NOREPLACE": 1, "EXCHANGE": 2}
FALLOCATE_MODES = {"": 0, "KEEP_SIZE": 0x01, "PUNCH_HOLE|KEEP_SIZE": 0x03, "ZERO_RANGE": 0x10}
OPEN_ACCESS = {"O_RDONLY": os.O_RDONLY, "O_WRONLY": os.O_WRONLY, "O_RDWR": os.O_RDWR}
OPEN_EXTRA = {"O_CREAT": os.O_CREAT, "O_EXCL": os.O_EXCL, "O_TRUNC": os.O_TRUNC, "O_APPEND": os.O_APPEND,
              "O_DIRECTORY": os.O_DIRECTORY, "O_NOFOLLOW": os.O_NOFOLLOW}
NAMES = ["a", "b", "c", "d", "d/a", "d/e", "d/e/f", "g/h"]
SLOTS = 3
USER = 1000
OFFSETS = [0, 1, 100, 4095, 4096, 4097, 65536, 65537, 1 << 20]
SIZES = [0, 1, 10, 4096, 5000, 70000]


# ---------------------------------------------------------------------------------------------------------------
# Generating

def generate(rng, count):
    """`count` random calls: lists of plain values (JSON-able, so a sequence can be saved and replayed)."""
    def name():
        return rng.choice(NAMES[:4]) if rng.random() < 0.6 else rng.choice(NAMES)

    def flags():
        chosen = {"O_CREAT"} if rng.random() < 0.7 else set()
        chosen |= {flag for flag in ("O_TRUNC", "O_APPEND") if rng.random() < 0.2}
        chosen |= {flag for flag in ("O_EXCL", "O_DIRECTORY", "O_NOFOLLOW") if rng.random() < 0.07}
        return sorted(chosen)

    def slot():
        return rng.randrange(SLOTS)

    def data():
        return [rng.choice(SIZES[1:]), rng.randrange(256)]  # length, seed of its bytes

    makers = [
        (8, lambda: ["open", slot(), name(), rng.choice(["O_RDONLY", "O_WRONLY", "O_RDWR", "O_RDWR"]), flags(),
                     rng.choice([0o644, 0o600, 0o4755])]),
        (3, lambda: ["close", slot()]),
        (4, lambda: ["read", slot(), rng.choice(SIZES)]),
        (4, lambda: ["pread", slot(), rng.choice(OFFSETS), rng.choice(SIZES)]),
        (5, lambda: ["write", slot(), *data()]),
        (5, lambda: ["pwrite", slot(), rng.choice(OFFSETS), *data()]),
        (2, lambda: ["lseek", slot(), rng.choice(OFFSETS), rng.choice([os.SEEK_SET, os.SEEK_CUR, os.SEEK_END])]),
        (2, lambda: ["ftruncate", slot(), rng.choice(OFFSETS)]),
        (2, lambda: ["truncate", name(), rng.choice(OFFSETS), rng.random() < 0.3]),
        (3, lambda: ["fallocate", slot(), rng.choice(list(FALLOCATE_MODES)), rng.choice(OFFSETS), rng.choice(SIZES[1:])]),
        (2, lambda: ["mmapwrite", slot(), rng.choice(OFFSETS[:6]), *data()]),
        (2, lambda: ["user_write", name(), rng.choice(["O_APPEND", "O_TRUNC", ""]), *data()]),
        (2, lambda: ["fsync", slot()]),
        (2, lambda: ["fstat", slot()]),
        (4, lambda: ["lstat", name()]),
        (4, lambda: ["mkdir", name(), rng.choice([0o755, 0o700, 0o2775]), rng.random() < 0.2]),
        (2, lambda: ["rmdir", name(), rng.random() < 0.2]),
        (3, lambda: ["unlink", name(), rng.random() < 0.2]),
        (3, lambda: ["rename", name(), name(), rng.choice(list(RENAME_FLAGS)), rng.random() < 0.2]),
        (2, lambda: ["link", name(), name()]),
        # Targets stay inside the sequence's directory: one outside would be shared by both sides and by reruns.
        (2, lambda: ["symlink", rng.choice(NAMES + ["/proc/bento-fuzz-ops-nowhere"]), name()]),
        (1, lambda: ["readlink", name()]),
        (2, lambda: ["chmod", name(), rng.choice([0o644, 0o600, 0o777, 0o4755, 0o2755, 0o6777, 0o1777, 0o000]), rng.random() < 0.3]),
        (2, lambda: ["chown", name(), rng.choice([-1, 0, USER, USER + 1]), rng.choice([-1, 0, USER, USER + 1]), rng.random() < 0.3]),
        (2, lambda: ["utime", name(), rng.choice([None, [1_000_000_000, 5], [2_000_000_000, 123456789]]), rng.random() < 0.3]),
        (2, lambda: ["setxattr", name(), rng.choice(["user.x", "user.y"]), rng.randrange(64), rng.choice([0, 1, 2])]),
        (1, lambda: ["getxattr", name(), rng.choice(["user.x", "user.y"])]),
        (1, lambda: ["listxattr", name()]),
        (1, lambda: ["removexattr", name(), rng.choice(["user.x", "user.y"])]),
        (2, lambda: ["listdir", rng.choice([".", "d", "d/e", "g"])]),
        (1, lambda: ["readdir_changing", rng.choice([".", "d"]), name(), name()]),
    ]
    weights = [weight for weight, _ in makers]
    # A start that gives the calls something to work on: a directory and two open files (shrinking may drop it).
    start = [["mkdir", "d", 0o755, False], ["open", 0, "a", "O_RDWR", ["O_CREAT"], 0o644],
             ["open", 1, "d/a", "O_RDWR", ["O_CREAT"], 0o666], ["pwrite", 0, 0, 5000, 1]]
    return (start + [rng.choices(makers, weights)[0][1]() for _ in range(count)])[:count]


def payload(length, seed):
    """The bytes a write call writes: deterministic from its length and seed."""
    return bytes((seed + index * 7) % 251 for index in range(length))


# ---------------------------------------------------------------------------------------------------------------
# Running

def errno_name(error):
    return errno.errorcode.get(error.errno, str(error.errno))


def attempt(call):
    """The call's answer as text: its value, or the errno name it raised."""
    try:
        result = call()
        return "ok" if result is None else str(result)
    except OSError as error:
        return errno_name(error)


def as_user(call):
    """Runs `call` in a child process as uid and gid 1000 with no supplementary groups; its answer as text."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(USER)
            os.setuid(USER)
            answer = attempt(call)
        except BaseException as error:  # noqa: BLE001 - the child must always answer and exit
            answer = "child failed: %r" % error
        os.write(write_end, answer.encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(child, 0)
    return b"".join(chunks).decode()


def describe(status):
    """What of a stat result must agree between file systems: type, permissions, owner, links, size."""
    kind = stat.S_IFMT(status.st_mode)
    fields = ["%o" % kind, "%o" % stat.S_IMODE(status.st_mode), str(status.st_uid), str(status.st_gid),
              "n%d" % status.st_nlink]
    if not stat.S_ISDIR(status.st_mode):  # directories' sizes are each file system's own
        fields.append("s%d" % status.st_size)
    return " ".join(fields)


def digest(data):
    return "%d:%08x" % (len(data), zlib.crc32(data))


class Runner:
    """Runs calls in one directory, keeping the descriptors opened by `open` in numbered slots."""

    def __init__(self, directory):
        self.directory = directory
        self.slots = [None] * SLOTS

    def path(self, name):
        return os.path.join(self.directory, name)

    def descriptor(self, slot):
        fd = self.slots[slot]
        if fd is None:
            raise OSError(errno.EBADF, "slot %d is closed" % slot)
        return fd

    def close_all(self):
        for slot, fd in enumerate(self.slots):
            if fd is not None:
                os.close(fd)
                self.slots[slot] = None

    def run(self, call):
        operation, arguments = call[0], call[1:]
        return getattr(self, "do_" + operation)(*arguments)

    # Descriptors

    def do_open(self, slot, name, access, extra, mode):
        flags = OPEN_ACCESS[access]
        for flag in extra:
            flags |= OPEN_EXTRA[flag]

        def opened():
            fd = os.open(self.path(name), flags, mode)
            if self.slots[slot] is not None:
                os.close(self.slots[slot])
            self.slots[slot] = fd
        return attempt(opened)

    def do_close(self, slot):
        def closed():
            os.close(self.descriptor(slot))
            self.slots[slot] = None
        return attempt(closed)

    def do_read(self, slot, count):
        return attempt(lambda: digest(os.read(self.descriptor(slot), count)))

    def do_pread(self, slot, offset, count):
        return attempt(lambda: digest(os.pread(self.descriptor(slot), count, offset)))

    def do_write(self, slot, length, seed):
        return attempt(lambda: os.write(self.descriptor(slot), payload(length, seed)))

    def do_pwrite(self, slot, offset, length, seed):
        return attempt(lambda: os.pwrite(self.descriptor(slot), payload(length, seed), offset))

    def do_lseek(self, slot, offset, whence):
        def moved():
            fd = self.descriptor(slot)
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                return "directory"  # positions in a directory are each file system's own (ext4's are hashes)
            return os.lseek(fd, offset, whence)
        return attempt(moved)

    def do_ftruncate(self, slot, size):
        return attempt(lambda: os.ftruncate(self.descriptor(slot), size))

    def do_fallocate(self, slot, mode, offset, length):
        def allocated():
            if libc.fallocate(self.descriptor(slot), FALLOCATE_MODES[mode], offset, length) != 0:
                raise OSError(ctypes.get_errno(), "fallocate")
        return attempt(allocated)

    def do_mmapwrite(self, slot, offset, length, seed):
        def written():
            fd = self.descriptor(slot)
            status = os.fstat(fd)
            size = status.st_size
            if not stat.S_ISREG(status.st_mode) or size == 0:  # directories' sizes differ between file systems
                raise OSError(errno.EINVAL, "not a file with bytes to map")
            with mmap.mmap(fd, size) as mapped:
                start = min(offset, size)
                piece = payload(length, seed)[:size - start]
                mapped[start:start + len(piece)] = piece
                mapped.flush()
                return len(piece)
        return attempt(written)

    def do_user_write(self, name, flag, length, seed):
        """Opens, writes and closes `name` as uid 1000 (set-id bits of a file written by another user go)."""
        flags = os.O_WRONLY | {"O_APPEND": os.O_APPEND, "O_TRUNC": os.O_TRUNC, "": 0}[flag]

        def written():
            fd = os.open(self.path(name), flags)
            try:
                return os.write(fd, payload(length, seed))
            finally:
                os.close(fd)
        return as_user(written)

    def do_fsync(self, slot):
        return attempt(lambda: os.fsync(self.descriptor(slot)))

    def do_fstat(self, slot):
        return attempt(lambda: describe(os.fstat(self.descriptor(slot))))

    # Paths

    def maybe_as_user(self, unprivileged, call):
        return as_user(call) if unprivileged else attempt(call)

    def do_truncate(self, name, size, unprivileged):
        return self.maybe_as_user(unprivileged, lambda: os.truncate(self.path(name), size))

    def do_lstat(self, name):
        return attempt(lambda: describe(os.lstat(self.path(name))))

    def do_mkdir(self, name, mode, unprivileged):
        return self.maybe_as_user(unprivileged, lambda: os.mkdir(self.path(name), mode))

    def do_rmdir(self, name, unprivileged):
        return self.maybe_as_user(unprivileged, lambda: os.rmdir(self.path(name)))

    def do_unlink(self, name, unprivileged):
        return self.maybe_as_user(unprivileged, lambda: os.unlink(self.path(name)))

    def do_rename(self, source, target, flags, unprivileged):
        def renamed():
            result = libc.syscall(SYS_RENAMEAT2, AT_FDCWD, self.path(source).encode(), AT_FDCWD,
                                  self.path(target).encode(), RENAME_FLAGS[flags])
            if result != 0:
                raise OSError(ctypes.get_errno(), "renameat2")
        return self.maybe_as_user(unprivileged, renamed)

    def do_link(self, existing, name):
        return attempt(lambda: os.link(self.path(existing), self.path(name)))

    def do_symlink(self, target, name):
        return attempt(lambda: os.symlink(target, self.path(name)))

    def do_readlink(self, name):
        return attempt(lambda: os.readlink(self.path(name)))

    def do_chmod(self, name, mode, unprivileged):
        return self.maybe_as_user(unprivileged, lambda: os.chmod(self.path(name), mode))

    def do_chown(self, name, uid, gid, unprivileged):
        return self.maybe_as_user(unprivileged, lambda: os.lchown(self.path(name), uid, gid))

    def do_utime(self, name, times, unprivileged):
        arguments = {"ns": (times[0], times[1])} if times else {}
        return self.maybe_as_user(unprivileged, lambda: os.utime(self.path(name), follow_symlinks=False, **arguments))

    def do_setxattr(self, name, attribute, length, flags):
        return attempt(lambda: os.setxattr(self.path(name), attribute, payload(length, 7), flags, follow_symlinks=False))

    def do_getxattr(self, name, attribute):
        return attempt(lambda: digest(os.getxattr(self.path(name), attribute, follow_symlinks=False)))

    def do_listxattr(self, name):
        return attempt(lambda: sorted(a for a in os.listxattr(self.path(name), follow_symlinks=False)
                                      if a.startswith("user.")))

    def do_removexattr(self, name, attribute):
        return attempt(lambda: os.removexattr(self.path(name), attribute, follow_symlinks=False))

    def do_listdir(self, name):
        return attempt(lambda: sorted(os.listdir(self.path(name))))

    def do_readdir_changing(self, name, added, removed):
        """Lists `name` while a name is added and another removed after the first entry: every name there
        throughout must be listed once, and no name twice (POSIX leaves the two changed names open)."""
        def listed():
            directory = self.path(name)
            before = set(os.listdir(directory))
            seen = []
            with os.scandir(directory) as entries:
                for index, entry in enumerate(entries):
                    seen.append(entry.name)
                    if index == 0:
                        attempt(lambda: os.close(os.open(self.path(added), os.O_CREAT | os.O_WRONLY, 0o644)))
                        attempt(lambda: os.unlink(self.path(removed)))
            changed = {os.path.relpath(self.path(added), directory), os.path.relpath(self.path(removed), directory)}
            missing = sorted((before - changed) - set(seen))
            twice = sorted({entry for entry in seen if seen.count(entry) > 1})
            return "missing %s twice %s" % (missing, twice) if missing or twice else None
        return attempt(listed)


def tree(directory):
    """Everything about a tree that must agree between file systems, one line per object."""
    lines = []
    for root, directories, files in os.walk(directory):
        directories.sort()
        for entry in sorted(directories + files):
            path = os.path.join(root, entry)
            status = os.lstat(path)
            line = [os.path.relpath(path, directory), describe(status)]
            if stat.S_ISREG(status.st_mode):
                with open(path, "rb") as file:
                    line.append(digest(file.read()))
            elif stat.S_ISLNK(status.st_mode):
                line.append("-> " + os.readlink(path))
            for attribute in sorted(os.listxattr(path, follow_symlinks=False)):
                if attribute.startswith("user."):
                    line.append("%s=%s" % (attribute, digest(os.getxattr(path, attribute, follow_symlinks=False))))
            lines.append(" ".join(line))
    return lines


def execute(calls, directory):
    """Runs `calls` in a fresh `directory`: the answers, then the final tree."""
    os.mkdir(directory)
    os.chmod(directory, 0o1777)  # like /tmp: the unprivileged calls may make names here, under the sticky rule
    runner = Runner(directory)
    try:
        answers = [runner.run(call) for call in calls]
    finally:
        runner.close_all()
    return answers, tree(directory)


# ---------------------------------------------------------------------------------------------------------------
# Comparing and shrinking

class Sides:
    """Both roots, handing out fresh directory names for each run."""

    def __init__(self, ours, reference):
        session = "fuzz-ops-%d" % os.getpid()  # a directory of this invocation's own on each side
        self.ours, self.reference, self.runs = os.path.join(ours, session), os.path.join(reference, session), 0
        os.mkdir(self.ours)
        os.mkdir(self.reference)

    def difference(self, calls):
        """The first difference between the two sides running `calls`, or None."""
        self.runs += 1
        name = "run-%d" % self.runs
        our_answers, our_tree = execute(calls, os.path.join(self.ours, name))
        their_answers, their_tree = execute(calls, os.path.join(self.reference, name))
        for index, (mine, theirs) in enumerate(zip(our_answers, their_answers)):
            if mine != theirs:
                return "call %d %s: ours %s, reference %s" % (index, json.dumps(calls[index]), mine, theirs)
        if our_tree != their_tree:
            only_ours = [line for line in our_tree if line not in their_tree]
            only_theirs = [line for line in their_tree if line not in our_tree]
            return "final tree: ours has %s, reference has %s" % (only_ours[:4], only_theirs[:4])
        return None


def shrink(sides, calls, budget=300):
    """A shorter sequence that still differs (delta debugging over chunks of calls, at most `budget` runs)."""
    chunk = max(1, len(calls) // 2)
    while chunk >= 1 and sides.runs < budget:
        index, reduced = 0, False
        while index < len(calls) and sides.runs < budget:
            candidate = calls[:index] + calls[index + chunk:]
            if candidate and sides.difference(candidate):
                calls, reduced = candidate, True
            else:
                index += chunk
        if not reduced:
            chunk //= 2
    return calls


# ---------------------------------------------------------------------------------------------------------------
# Reproducers

SWIFT_CALLS = {
    "open": lambda slot, name, access, extra, mode: 'fd[%d] = try fs.open("%s", [%s], mode: 0o%o)' % (
        slot, name, ", ".join("." + flag_case(flag) for flag in [access] + extra if flag != "O_RDONLY"), mode),
    "close": lambda slot: "try fs.close(fd[%d])" % slot,
    "read": lambda slot, count: "_ = try fs.read(fd[%d], count: %d)" % (slot, count),
    "pread": lambda slot, offset, count: "_ = try fs.pread(fd[%d], count: %d, offset: %d)" % (slot, count, offset),
    "write": lambda slot, length, seed: "_ = try fs.write(fd[%d], payload(%d, %d))" % (slot, length, seed),
    "pwrite": lambda slot, offset, length, seed: "_ = try fs.pwrite(fd[%d], payload(%d, %d), offset: %d)" % (
        slot, length, seed, offset),
    "mmapwrite": lambda slot, offset, length, seed: "_ = try fs.pwrite(fd[%d], payload(%d, %d), offset: %d)  // mmap" % (
        slot, length, seed, offset),
    "ftruncate": lambda slot, size: "try fs.ftruncate(fd[%d], size: %d)" % (slot, size),
    "truncate": lambda name, size, user: 'try %s.truncate("%s", size: %d)' % (receiver(user), name, size),
    "fsync": lambda slot: "try fs.fsync(fd[%d])" % slot,
    "user_write": lambda name, flag, length, seed: (
        'let user = fs.as(user: UserID(1000), group: GroupID(1000)); let d = try user.open("%s", [.writeOnly%s], mode: 0); '
        '_ = try user.write(d, payload(%d, %d)); try user.close(d)' % (name, {"O_APPEND": ", .append", "O_TRUNC": ", .truncate", "": ""}[flag],
                                                                       length, seed)),
    "fstat": lambda slot: "_ = try fs.fstat(fd[%d])" % slot,
    "lstat": lambda name: '_ = try fs.lstat("%s")' % name,
    "mkdir": lambda name, mode, user: 'try %s.mkdir("%s", mode: 0o%o)' % (receiver(user), name, mode),
    "rmdir": lambda name, user: 'try %s.rmdir("%s")' % (receiver(user), name),
    "unlink": lambda name, user: 'try %s.unlink("%s")' % (receiver(user), name),
    "rename": lambda source, target, flags, user: 'try %s.rename(from: "%s", to: "%s"%s)' % (
        receiver(user), source, target, {"": "", "NOREPLACE": ", flags: .noReplace", "EXCHANGE": ", flags: .exchange"}[flags]),
    "link": lambda existing, name: 'try fs.link("%s", "%s")' % (existing, name),
    "symlink": lambda target, name: 'try fs.symlink("%s", "%s")' % (target, name),
    "readlink": lambda name: '_ = try fs.readlink("%s")' % name,
    "chmod": lambda name, mode, user: 'try %s.chmod("%s", mode: 0o%o)' % (receiver(user), name, mode),
    "chown": lambda name, uid, gid, user: 'try %s.chown("%s", uid: %s, gid: %s)' % (
        receiver(user), name, "nil" if uid < 0 else "UserID(%d)" % uid, "nil" if gid < 0 else "GroupID(%d)" % gid),
    "listdir": lambda name: '_ = try fs.readdir("%s")' % name,
}


def flag_case(flag):
    """O_RDWR → readWrite-style names are the driver's OpenFlags; the C name is close enough to look up."""
    return {"O_WRONLY": "writeOnly", "O_RDWR": "readWrite", "O_CREAT": "create", "O_EXCL": "exclusive",
            "O_TRUNC": "truncate", "O_APPEND": "append", "O_DIRECTORY": "directory", "O_NOFOLLOW": "noFollow"}[flag]


def receiver(unprivileged):
    """The driver, or the driver acting as uid and gid 1000."""
    return "fs.as(user: UserID(1000), group: GroupID(1000))" if unprivileged else "fs"


def swift_test(calls, difference):
    """The sequence as an in-process test over the InProcess driver (each call's expected answer is ext4's)."""
    lines = ["// " + difference,
             "@Test func fuzzOpsReproducer() throws {",
             "    let fs = try InProcessFileSystem(fileSystem: makeFileSystemUnderTest())",
             "    var fd = [Int32](repeating: -1, count: %d)" % SLOTS,
             "    func payload(_ length: Int, _ seed: Int) -> [UInt8] { (0..<length).map { UInt8((seed + $0 * 7) % 251) } }"]
    for call in calls:
        make = SWIFT_CALLS.get(call[0])
        text = make(*call[1:]) if make else "// %s: no in-process equivalent" % json.dumps(call)
        lines.append("    do { %s } catch { print(\"%s:\", error) }" % (text, call[0]) if make else "    " + text)
    lines.append("}")
    return "\n".join(lines) + "\n"


def python_script(calls, difference):
    """The sequence as a script: `python3 repro.py DIRECTORY` prints each call's answer there."""
    here = os.path.abspath(__file__)
    return ("#!/usr/bin/env python3\n# %s\nimport json\nimport sys\nsys.path.insert(0, %r)\nimport fuzz_ops\n"
            "CALLS = json.loads(%r)\nfuzz_ops.replay(CALLS, sys.argv[1])\n") % (difference, os.path.dirname(here), json.dumps(calls))


def replay(calls, directory):
    runner = Runner(directory)
    try:
        for call in calls:
            print(json.dumps(call), "->", runner.run(call))
    finally:
        runner.close_all()


# ---------------------------------------------------------------------------------------------------------------
# Concurrent mode

def concurrent(directory, seed, processes, count):
    """PROCESSES children run random calls on one tree (a new directory in DIRECTORY); then the invariants are
    checked. Returns the problems."""
    directory = os.path.join(directory, "concurrent-%d" % os.getpid())
    os.mkdir(directory)
    os.chmod(directory, 0o1777)
    children = []
    for index in range(processes):
        child = os.fork()
        if child == 0:
            status = 1
            try:
                rng = random.Random(seed * 7919 + index)
                runner = Runner(directory)
                for call in generate(rng, count):
                    # Not here: a listing's own check, and writes through a mapping, which another process may
                    # shrink the file under (SIGBUS, as POSIX says).
                    if call[0] not in ("readdir_changing", "mmapwrite"):
                        runner.run(call)
                runner.close_all()
                status = 0
            finally:
                os._exit(status)  # never back into the parent's code, whatever happened
        children.append(child)
    problems, names_of = [], {}
    for child in children:
        _, status = os.waitpid(child, 0)
        if status != 0:
            problems.append("process %d of the run failed (wait status %d)" % (child, status))
    for root, directories, files in os.walk(directory):
        listed = os.listdir(root)
        if len(listed) != len(set(listed)):
            problems.append("%s lists a name twice" % root)
        for entry in files:
            path = os.path.join(root, entry)
            try:
                status = os.lstat(path)
            except OSError as error:
                problems.append("%s listed but lstat says %s" % (path, errno_name(error)))
                continue
            names_of.setdefault(status.st_ino, []).append((path, status))
            if stat.S_ISREG(status.st_mode):
                with open(path, "rb") as file:
                    if len(file.read()) != status.st_size:
                        problems.append("%s: reading gives other than its size %d" % (path, status.st_size))
    for inode, names in names_of.items():
        links = names[0][1].st_nlink
        if not stat.S_ISDIR(names[0][1].st_mode) and links != len(names):
            problems.append("inode %d has %d links but %d names: %s" % (inode, links, len(names), [n for n, _ in names]))
    return problems


# ---------------------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run")
    run.add_argument("ours")
    run.add_argument("reference")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--sequences", type=int, default=20)
    run.add_argument("--ops", type=int, default=60)
    run.add_argument("--report")
    parallel = commands.add_parser("concurrent")
    parallel.add_argument("directory")
    parallel.add_argument("--seed", type=int, default=1)
    parallel.add_argument("--processes", type=int, default=4)
    parallel.add_argument("--ops", type=int, default=300)
    again = commands.add_parser("replay")
    again.add_argument("file")
    again.add_argument("directory")
    arguments = parser.parse_args()

    if arguments.command == "replay":
        with open(arguments.file) as file:
            replay(json.load(file), arguments.directory)
        return 0
    if arguments.command == "concurrent":
        problems = concurrent(arguments.directory, arguments.seed, arguments.processes, arguments.ops)
        for problem in problems:
            print("problem:", problem)
        print("concurrent: %d processes x %d calls, %d problems" % (arguments.processes, arguments.ops, len(problems)))
        return 1 if problems else 0

    sides = Sides(arguments.ours, arguments.reference)
    for sequence in range(arguments.sequences):
        calls = generate(random.Random(arguments.seed * 1_000_003 + sequence), arguments.ops)
        difference = sides.difference(calls)
        if difference is None:
            continue
        print("sequence %d of seed %d differs: %s" % (sequence, arguments.seed, difference))
        if sides.difference(calls) is None:  # a difference that comes and goes cannot be shrunk: say so, keep it
            print("flaky: the same sequence did not differ when run again")
            if arguments.report:
                os.makedirs(arguments.report, exist_ok=True)
                with open(os.path.join(arguments.report, "flaky.json"), "w") as file:
                    file.write(json.dumps(calls))
            return 1
        budget = sides.runs + 300
        smallest = shrink(sides, calls, budget)
        final = sides.difference(smallest) or difference
        print("shrunk from %d to %d calls: %s\n" % (len(calls), len(smallest), final))
        script, test = python_script(smallest, final), swift_test(smallest, final)
        print("--- repro.py (python3 repro.py DIRECTORY) ---\n" + script)
        print("--- in-process test ---\n" + test)
        if arguments.report:
            os.makedirs(arguments.report, exist_ok=True)
            for name, text in (("repro.py", script), ("Reproducer.swift", test), ("repro.json", json.dumps(smallest))):
                with open(os.path.join(arguments.report, name), "w") as file:
                    file.write(text)
        return 1
    print("fuzz-ops: seed %d, %d sequences x %d calls, %d compared, no difference"
          % (arguments.seed, arguments.sequences, arguments.ops, arguments.sequences * arguments.ops))
    return 0


if __name__ == "__main__":
    sys.exit(main())
