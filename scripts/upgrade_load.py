#!/usr/bin/env python3
"""Load for live-upgrade tests and bench/upgrade.sh: writer threads and a reader on a mounted Bento file
system while another thread upgrades it back and forth between modules.

Each writer loops: create a file, write it, fsync, read it back through a second descriptor, unlink it; and
checks, through a descriptor it opened before the first upgrade, that its own long-lived file still reads right.
The reader re-reads files written once at the start. Every failure (an error or wrong data) counts and is
printed. The upgrader runs `bento upgrade MOUNT MODULE` every --every seconds, alternating the modules; a module
named `daemon` runs `bento upgrade --daemon MOUNT` instead (a new daemon process takes the mount over).

Writes --buckets (CSV: start_ms,ops per 10 ms) and --upgrades (CSV: start_ms,end_ms,pause_us,versions) when
asked; its last line is `ops=<n> failed_ops=<n> upgrades=<n> failed_upgrades=<n> pauses_us=<a,b,...>`.
"""
import argparse, hashlib, os, subprocess, sys, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("mount")
parser.add_argument("--bento", required=True)
parser.add_argument("--modules", required=True, help="comma-separated .so paths, used in turn")
parser.add_argument("--seconds", type=float, default=5)
parser.add_argument("--every", type=float, default=1)
parser.add_argument("--threads", type=int, default=10)
parser.add_argument("--buckets")
parser.add_argument("--upgrades")
args = parser.parse_args()

start = time.monotonic()
stop = threading.Event()
lock = threading.Lock()
buckets = {}
failures = []
ops = [0]


def data_for(tag, n):
    seed = hashlib.sha256(f"{tag}-{n}".encode()).digest()
    return seed * (64 + (n * 37) % 200)  # 2 KiB .. 8.5 KiB


def record(ok, what=""):
    slot = int((time.monotonic() - start) * 100)
    with lock:
        if ok:
            ops[0] += 1
            buckets[slot] = buckets.get(slot, 0) + 1
        else:
            failures.append(what)
            print(f"FAILED: {what}", file=sys.stderr, flush=True)


def writer(index, keep):
    n = 0
    keep_data = data_for(f"keep{index}", 0)
    while not stop.is_set():
        path = f"{args.mount}/w{index}-{n}"
        data = data_for(f"w{index}", n)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            fd = os.open(path, os.O_RDONLY)
            back = os.read(fd, len(data) + 1)
            os.close(fd)
            os.unlink(path)
            if back != data:
                raise ValueError(f"{path} read {len(back)} bytes, not the {len(data)} written")
            if os.pread(keep, len(keep_data) + 1, 0) != keep_data:
                raise ValueError(f"keep{index} reads wrong through the descriptor opened before the upgrades")
            record(True)
        except Exception as error:  # noqa: BLE001 - every failure counts
            record(False, f"writer {index} iteration {n}: {error!r}")
        n += 1


def reader(files):
    while not stop.is_set():
        for path, data in files:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        raise ValueError(f"{path} reads wrong")
                record(True)
            except Exception as error:  # noqa: BLE001
                record(False, f"reader: {error!r}")


def upgrader(modules, log):
    turn = 0
    next_time = start + args.every
    while not stop.is_set():
        delay = next_time - time.monotonic()
        if delay > 0 and stop.wait(delay):
            break
        next_time += args.every
        module = modules[turn % len(modules)]
        turn += 1
        began = time.monotonic()
        command = ["upgrade", "--daemon", args.mount] if module == "daemon" else ["upgrade", args.mount, module]
        result = subprocess.run([args.bento] + command, capture_output=True, text=True)
        ended = time.monotonic()
        words = result.stdout.split()
        # `upgraded ...: ..., pause N us (...)` or `handed over ...: ..., paused N us (...)`
        word = "pause" if "pause" in words else "paused"
        pause = int(words[words.index(word) + 1]) if result.returncode == 0 and word in words else None
        log.append((began - start, ended - start, pause, result.stdout.strip() or result.stderr.strip()))
        if pause is None:
            print(f"UPGRADE FAILED: {result.stderr.strip()}", file=sys.stderr, flush=True)


keeps = []
for index in range(args.threads):
    with open(f"{args.mount}/keep{index}", "wb") as f:
        f.write(data_for(f"keep{index}", 0))
    keeps.append(os.open(f"{args.mount}/keep{index}", os.O_RDONLY))
stable = []
for index in range(8):
    data = data_for("stable", index)
    with open(f"{args.mount}/stable{index}", "wb") as f:
        f.write(data)
    stable.append((f"{args.mount}/stable{index}", data))

upgrades = []
threads = [threading.Thread(target=writer, args=(i, keeps[i])) for i in range(args.threads)]
threads.append(threading.Thread(target=reader, args=(stable,)))
threads.append(threading.Thread(target=upgrader, args=(args.modules.split(","), upgrades)))
for thread in threads:
    thread.start()
time.sleep(args.seconds)
stop.set()
for thread in threads:
    thread.join()
for fd in keeps:
    os.close(fd)

if args.buckets:
    with open(args.buckets, "w") as f:
        f.write("start_ms,ops\n")
        for slot in range(int(args.seconds * 100)):
            f.write(f"{slot * 10},{buckets.get(slot, 0)}\n")
if args.upgrades:
    with open(args.upgrades, "w") as f:
        f.write("start_ms,end_ms,pause_us,result\n")
        for began, ended, pause, text in upgrades:
            f.write(f"{began * 1000:.1f},{ended * 1000:.1f},{pause if pause is not None else ''},\"{text}\"\n")
pauses = [p for _, _, p, _ in upgrades if p is not None]
print(f"ops={ops[0]} failed_ops={len(failures)} upgrades={len(pauses)} "
      f"failed_upgrades={len(upgrades) - len(pauses)} pauses_us={','.join(map(str, pauses))}")
