#!/usr/bin/env python3
"""Turns hyperfine's JSON exports into bench/results.md and the data for the chart.

usage: report.py OUTDIR GROUP... where each GROUP is NAME|BASELINE|HUSK[|ratio] and OUTDIR holds
NAME.json (hyperfine --export-json) and, optionally, NAME.extra (tab-separated
"command<TAB>size bytes<TAB>VmHWM kB" lines).
"""
import json
import os
import sys


def load(outdir, name):
    with open(os.path.join(outdir, name + ".json")) as f:
        res = json.load(f)["results"]
    extra = {}
    path = os.path.join(outdir, name + ".extra")
    if os.path.exists(path):
        for line in open(path):
            cmd, size, hwm = line.rstrip("\n").split("\t")
            extra[cmd] = (size, hwm)
    return res, extra


def main():
    outdir = sys.argv[1]
    md = ["# husk benchmarks", "",
          "Produced by `make bench` (scripts/bench.sh): hyperfine, `-N` (no shell), warm-up, "
          "every command of a table measured side by side in one run. Times are medians in ms.",
          ""]
    plots = []
    for spec in sys.argv[2:]:
        parts = spec.split("|")
        name, baseline, husk = parts[0], parts[1], parts[2]
        # "overhead": compare what each adds to the baseline (an init around /bin/true);
        # "ratio": compare whole medians (a launch against the floor that does only that).
        ratio_mode = len(parts) > 3 and parts[3] == "ratio"
        res, extra = load(outdir, name)
        by = {r["command"]: r for r in res}
        base = by[baseline]["median"] * 1000 if baseline else 0.0
        h = by[husk]["median"] * 1000
        h_over = h - base
        head = "| command | median ms | mean ± σ ms |"
        sep = "|---|---:|---:|"
        if baseline and ratio_mode:
            head += f" × `{baseline}` | husk is … faster |"
            sep += "---:|---:|"
        elif baseline:
            head += f" over `{baseline}` ms | vs husk |"
            sep += "---:|---:|"
        else:
            head += " vs husk |"
            sep += "---:|"
        if extra:
            head += " binary bytes | VmHWM kB |"
            sep += "---:|---:|"
        md += [f"## {name}", "", head, sep]
        rows = []
        for r in res:
            cmd = r["command"]
            med = r["median"] * 1000
            line = f"| `{cmd}` | {med:.3f} | {r['mean']*1000:.3f} ± {r['stddev']*1000:.3f} |"
            if baseline and ratio_mode:
                line += f" {med / base:.2f} |" + (" — |" if cmd in (husk, baseline) else f" {med / h:.2f}× |")
            elif baseline:
                over = med - base
                if cmd == baseline:
                    line += " — | — |"
                elif cmd == husk:
                    line += f" {over:+.3f} | 1.00 |"
                else:
                    ratio = over / h_over if h_over > 0 else float("inf")
                    line += f" {over:+.3f} | {ratio:.2f}× husk's |"
            else:
                line += " 1.00 |" if cmd == husk else f" {med / h:.2f}× |"
            if extra:
                size, hwm = extra.get(cmd, ("", ""))
                line += f" {size} | {hwm} |"
            md.append(line)
            rows.append((cmd, med))
            print(f"{name:8} {cmd:40} {med:8.3f} ms")
        md.append("")
        data = os.path.join(outdir, name + ".dat")
        with open(data, "w") as f:
            for i, (cmd, med) in enumerate(rows):
                f.write(f'{i}\t"{cmd}"\t{med:.4f}\n')
        plots.append((name, data))
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(outdir, "results.gp"), "w") as f:
        f.write('set terminal pngcairo size 1000,%d font ",10"\n' % (360 * len(plots)))
        f.write(f'set output "{os.path.join(outdir, "results.png")}"\n')
        f.write(f"set multiplot layout {len(plots)},1\n")
        f.write("set style fill solid 0.8\nset boxwidth 0.6\nset grid ytics\nset yrange [0:*]\n")
        f.write('set ylabel "median ms (lower is better)"\nset xtics rotate by -20\n')
        for name, data in plots:
            f.write(f'set title "{name}"\n')
            f.write(f'plot "{data}" using 1:3:xtic(2) with boxes notitle, '
                    f'"" using 1:3:(sprintf("%.3f",$3)) with labels offset 0,0.7 notitle\n')
        f.write("unset multiplot\n")


main()
