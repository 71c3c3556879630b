#!/usr/bin/env python3
"""report.py RESULTS.tsv HEADER.md - the benchmark's Markdown table on stdout.

RESULTS.tsv has one line per (case, tool, round):
    CASE  TOOL  BYTES  REQUESTS  WALL  USER  SYS  STATUS  NOTE
STATUS is ok, n/a (tool skipped) or FAIL; NOTE says what was checked or why
it failed.  Each (case, tool) is shown by its median round.  HEADER.md is
copied first.  See bench/README.md for the columns.
"""

import sys

MIB = 1 << 20
GIB = 1 << 30
TOOLS = ("curl", "aws", "roma")


def fmt(x, nd=1):
    if x is None:
        return "–"
    if x >= 100:
        return "%.0f" % x
    return "%.*f" % (nd, x)


def aggregate(runs):
    """One row from a (case, tool)'s rounds: the median round by wall time,
    or the first failure; "lo" and "hi" are the slowest and fastest MiB/s."""
    bad = [r for r in runs if r["status"] != "ok"]
    if bad:
        fail = [r for r in bad if r["status"] == "FAIL"]
        return dict((fail or bad)[0], rounds=len(runs))
    runs = sorted(runs, key=lambda r: r["wall"])
    r = dict(runs[(len(runs) - 1) // 2], rounds=len(runs))
    r["lo"], r["hi"] = runs[-1]["mibs"], runs[0]["mibs"]
    return r


def main():
    runs, cases = {}, []
    with open(sys.argv[1]) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 9:
                continue
            case, tool = p[0], p[1]
            if case not in cases:
                cases.append(case)
            r = {"bytes": int(p[2]), "reqs": int(p[3]), "wall": float(p[4]),
                 "cpu": float(p[5]) + float(p[6]), "status": p[7], "note": p[8]}
            ok = r["status"] == "ok" and r["wall"] > 0
            if r["status"] == "ok" and not ok:
                r["status"], r["note"] = "FAIL", "no time measured"
            r["mibs"] = r["bytes"] / MIB / r["wall"] if ok else None
            r["rps"] = r["reqs"] / r["wall"] if ok and r["reqs"] > 1 else None
            r["cpu_gib"] = r["cpu"] / (r["bytes"] / GIB) if ok and r["bytes"] else None
            runs.setdefault((case, tool), []).append(r)
    rows = {k: aggregate(v) for k, v in runs.items()}

    with open(sys.argv[2]) as f:
        sys.stdout.write(f.read())
    print()
    print("| case | tool | wall s | MiB/s | MiB/s range | req/s | CPU s | CPU s/GiB | result |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for case in cases:
        for tool in TOOLS:
            r = rows.get((case, tool))
            if r is None:
                continue
            if r["status"] != "ok":
                print("| %s | %s | – | – | – | – | – | – | %s %s |" % (
                    case, tool, r["status"], r["note"]))
                continue
            rng = "%s–%s" % (fmt(r["lo"]), fmt(r["hi"])) if r["rounds"] > 1 else "–"
            print("| %s | %s | %.2f | %s | %s | %s | %.2f | %s | %s, %d round%s |" % (
                case, tool, r["wall"], fmt(r["mibs"]), rng, fmt(r["rps"]), r["cpu"],
                fmt(r["cpu_gib"], 2), r["note"], r["rounds"], "s" if r["rounds"] > 1 else ""))

    def ratio(case, a, b, key):
        ra, rb = rows.get((case, a)), rows.get((case, b))
        if not ra or not rb or ra.get(key) is None or rb.get(key) is None or not rb[key]:
            return "n/a"
        return "%.2f" % (ra[key] / rb[key])

    print()
    print("Ratios from the same run (throughput: higher is better for roma; "
          "CPU: lower is better):")
    print()
    print("| case | roma/curl MiB/s | roma/aws MiB/s | aws/curl MiB/s | roma/aws CPU per GiB |")
    print("|---|---:|---:|---:|---:|")
    for case in cases:
        print("| %s | %s | %s | %s | %s |" % (
            case, ratio(case, "roma", "curl", "mibs"), ratio(case, "roma", "aws", "mibs"),
            ratio(case, "aws", "curl", "mibs"), ratio(case, "roma", "aws", "cpu_gib")))


if __name__ == "__main__":
    main()
