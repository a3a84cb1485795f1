#!/usr/bin/env python3
"""Makes a large trace file from a real one, for measuring ./infertrace explain on a big window.

usage: scripts/replicate-traces.py IN.jsonl OUT.jsonl TRACES

Copies IN's OTLP JSON lines until OUT holds at least TRACES traces: each copy gets new trace and
span ids (parentage kept) and is shifted in time by the input's whole span plus a second, so the
copies follow one another like a longer run of the same stack. The spans are otherwise the real
ones, attributes and events unchanged.
"""
import hashlib
import json
import sys


def new_id(copy, old, length):
    if not old:
        return old
    return hashlib.sha256(f"{copy}:{old}".encode()).hexdigest()[:length]


def spans(doc):
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            yield from ss.get("spans", [])


def main():
    src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    raw = [l for l in open(src) if l.strip()]
    traces, start, end = set(), None, None
    for line in raw:
        for s in spans(json.loads(line)):
            traces.add(s["traceId"])
            a, b = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
            start = a if start is None else min(start, a)
            end = b if end is None else max(end, b)
    copies = -(-want // max(1, len(traces)))
    shift = end - start + 1_000_000_000
    with open(dst, "w") as out:
        for c in range(copies):
            for line in raw:
                doc = json.loads(line)
                for s in spans(doc):
                    s["traceId"] = new_id(c, s["traceId"], 32)
                    s["spanId"] = new_id(c, s["spanId"], 16)
                    s["parentSpanId"] = new_id(c, s.get("parentSpanId", ""), 16)
                    s["startTimeUnixNano"] = str(int(s["startTimeUnixNano"]) + c * shift)
                    s["endTimeUnixNano"] = str(int(s["endTimeUnixNano"]) + c * shift)
                    for e in s.get("events", []):
                        e["timeUnixNano"] = str(int(e["timeUnixNano"]) + c * shift)
                out.write(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{copies} copies of {len(traces)} traces -> {dst}", file=sys.stderr)


if __name__ == "__main__":
    main()
