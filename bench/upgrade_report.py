#!/usr/bin/env python3
"""bench/upgrade.sh's report: pause percentiles, throughput around each upgrade, and an SVG of throughput over
time with the upgrades marked (after the Bento paper's figure). Arguments: throughput.csv upgrades.csv out.svg
fs-name summary-line-of-upgrade_load.py."""
import csv, re, statistics, sys

throughput_csv, upgrades_csv, svg_path, fs, summary = sys.argv[1:6]
fields = dict(word.split("=", 1) for word in summary.split())
buckets = [(int(r["start_ms"]), int(r["ops"])) for r in csv.DictReader(open(throughput_csv))]
rows = [r for r in csv.DictReader(open(upgrades_csv)) if r["pause_us"]]
upgrades = [(float(r["start_ms"]), float(r["end_ms"]), int(r["pause_us"])) for r in rows]
pauses = sorted(p for _, _, p in upgrades)
# The pause's phases as `bento upgrade` printed them: (drain N us, prepare N us, resume N us; quiesce N us
# before) — quiesce is not part of the pause: requests are served, only the calls the file system holds wait.
# A daemon handoff (`bento upgrade --daemon`) prints its own: stop (the old daemon's workers finishing their
# requests), drain, prepare, transfer (the state to the new daemon and back; resume is the new daemon's part of
# it), start (the new daemon's workers).
PHASES = ("drain", "prepare", "resume", "quiesce")
if rows and "transfer" in rows[0]["result"]:
    PHASES = ("stop", "drain", "prepare", "transfer", "resume", "start")
phases = [{name: int(m.group(1)) for name in PHASES if (m := re.search(name + r" (\d+) us", r["result"]))} for r in rows]
median = statistics.median(ops for _, ops in buckets[100:] or buckets) if buckets else 0


def percentile(values, fraction):
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))] if values else 0


print(f"throughput: median {median} ops per 10 ms bucket")
print(f"upgrade  at_ms   pause_us  {' '.join(PHASES)}  ops per 10 ms from 30 ms before the command to 50 ms after")
for number, ((began, ended, pause), split) in enumerate(zip(upgrades, phases), 1):
    window = [ops for start, ops in buckets if began - 30 <= start <= ended + 50]
    parts = " ".join(f"{split.get(name, '?'):>{len(name)}}" for name in PHASES)
    print(f"{number:7d} {began:7.0f} {pause:9d}  {parts}  {' '.join(map(str, window))}")
for name in PHASES:
    values = sorted(split[name] for split in phases if name in split)
    print(f"{name:8s} p50={percentile(values, .5)}us p99={percentile(values, .99)}us max={max(values, default=0)}us")

width, height, left, bottom = 1000, 360, 60, 40
duration = (buckets[-1][0] + 10) if buckets else 1
peak = max((ops for _, ops in buckets), default=1) or 1
x = lambda ms: left + (width - left - 10) * ms / duration
y = lambda ops: height - bottom - (height - bottom - 20) * ops / peak
points = " ".join(f"{x(start):.1f},{y(ops):.1f}" for start, ops in buckets)
marks = "".join(f'<line x1="{x(b):.1f}" y1="20" x2="{x(b):.1f}" y2="{height - bottom}" stroke="#d33" stroke-dasharray="3,3"/>'
                for b, _, _ in upgrades)
ticks = "".join(f'<text x="{x(s * 1000):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle">{s}</text>'
                for s in range(0, int(duration / 1000) + 1, max(1, int(duration / 10000))))
svg = f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="{left}" y="14" font-size="13">{fs}: operations per 10 ms under live upgrades (dashed: bento upgrade);
 pause p50 {percentile(pauses, .5)} us, p99 {percentile(pauses, .99)} us</text>
<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="black"/>
<line x1="{left}" y1="20" x2="{left}" y2="{height - bottom}" stroke="black"/>
<text x="{left - 6}" y="{y(peak) + 4:.1f}" font-size="11" text-anchor="end">{peak}</text>
<text x="{left - 6}" y="{height - bottom + 4}" font-size="11" text-anchor="end">0</text>
<text x="{width / 2}" y="{height - 6}" font-size="11" text-anchor="middle">seconds</text>
{ticks}{marks}<polyline fill="none" stroke="#1f5fbf" stroke-width="1" points="{points}"/>
</svg>
"""
open(svg_path, "w").write(svg)
print(f"wrote {throughput_csv}, {upgrades_csv}, {svg_path}")
print(f"upgrade pause p50={percentile(pauses, .5)}us p99={percentile(pauses, .99)}us max={max(pauses, default=0)}us "
      f"upgrades={len(pauses)} failed_ops={fields.get('failed_ops', '?')}")
