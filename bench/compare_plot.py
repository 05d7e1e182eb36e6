#!/usr/bin/env python3
"""bench/compare.sh's figure: for each workload, one bar per Bento configuration giving its speed as a ratio to the
kernel baseline measured in the same run (tmpfs for memfs, ext4 for passthrough; 1.0 = as fast), with the issue's
target marked; a workload that failed on a configuration is marked "failed". Arguments: compare.csv out.svg [title]. Writes the SVG by hand (no plotting library needed)."""
import csv
import sys
from collections import OrderedDict

csv_path, svg_path = sys.argv[1:3]
title = sys.argv[3] if len(sys.argv) > 3 else "Bento vs the kernel file system, same run (ratio; higher is better)"
rows = list(csv.DictReader(open(csv_path)))
workloads = list(OrderedDict.fromkeys(r["workload"] for r in rows))
configs = list(OrderedDict.fromkeys(r["config"] for r in rows))
ratio = {(r["workload"], r["config"]): float(r["ratio"]) for r in rows if r["ratio"] != "-"}
failed = {(r["workload"], r["config"]) for r in rows if r["ratio"] == "-"}
TARGETS = {"untar": 0.5, "tar_c": 0.5, "grep_r": 0.5, "rm_rf": 0.5, "write": 0.8, "read": 0.8}
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf"]

bar, gap, left, top, width = 9, 8, 150, 40, 520
scale_max = max(1.0, max(ratio.values(), default=1.0))
height = top + len(workloads) * (len(configs) * bar + gap) + 30 + 16 * len(configs)
x = lambda value: left + width * value / scale_max
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{height}" font-family="sans-serif" '
       f'font-size="11">', f'<text x="10" y="18" font-size="13">{title}</text>']
for tick in [i / 4 for i in range(int(scale_max * 4) + 1)]:
    out.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 20 - 16 * len(configs)}" '
               f'stroke="#ddd"/><text x="{x(tick):.1f}" y="{top - 9}" text-anchor="middle">{tick:g}</text>')
y = top
for workload in workloads:
    group = len(configs) * bar
    out.append(f'<text x="{left - 6}" y="{y + group / 2 + 4:.1f}" text-anchor="end">{workload}</text>')
    for index, config in enumerate(configs):
        value = ratio.get((workload, config))
        if value is not None:
            out.append(f'<rect x="{left}" y="{y + index * bar}" width="{x(value) - left:.1f}" height="{bar - 1}" '
                       f'fill="{COLORS[index % len(COLORS)]}"><title>{config}: {value:.2f}</title></rect>')
        elif (workload, config) in failed:
            out.append(f'<text x="{left + 2}" y="{y + index * bar + bar - 1}" font-size="9" '
                       f'fill="{COLORS[index % len(COLORS)]}">failed</text>')
    target = next((goal for prefix, goal in TARGETS.items() if workload.startswith(prefix)), None)
    if target is not None:
        out.append(f'<line x1="{x(target):.1f}" y1="{y - 2}" x2="{x(target):.1f}" y2="{y + group + 1}" '
                   f'stroke="black" stroke-dasharray="3,2"/>')
    y += group + gap
out.append(f'<line x1="{x(1):.1f}" y1="{top - 6}" x2="{x(1):.1f}" y2="{y}" stroke="#555"/>')
for index, config in enumerate(configs):
    ly = y + 20 + 16 * index
    out.append(f'<rect x="{left}" y="{ly - 9}" width="12" height="10" fill="{COLORS[index % len(COLORS)]}"/>'
               f'<text x="{left + 18}" y="{ly}">{config}</text>')
has_targets = any(workload.startswith(prefix) for workload in workloads for prefix in TARGETS)
legend = "dashed: the target; grey line: as fast as the kernel" if has_targets else "grey line: as fast as the kernel"
out.append(f'<text x="{left + 200}" y="{y + 20}">{legend}</text>')
out.append("</svg>")
open(svg_path, "w").write("\n".join(out) + "\n")
