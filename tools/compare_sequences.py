#!/usr/bin/env python3
"""Compare two SASRec-format files (`user item` per line, each user's lines in order; .gz read transparently)
user by user, and say how the second differs from the first.

Written to check a copy of SASRec's ML-1M file against ../shared/data/ml-1m-sasrec-rebuilt (which lacks the
second-to-last item of 2,779 users): every user must be identical or have exactly one item inserted just before
the last one, and nothing else may differ. docs/results.md, "ML-1M, the complete file", shows its output.

usage: compare_sequences.py BASE.txt[.gz] OTHER.txt[.gz]
"""
import collections
import gzip
import hashlib
import sys


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    seqs = collections.OrderedDict()
    raw = hashlib.sha256()
    with opener(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            raw.update(line)
            fields = line.split()
            if len(fields) != 2:
                sys.exit(f"{path}:{lineno}: expected `user item`, got {line[:60]!r}")
            user, item = int(fields[0]), int(fields[1])
            seqs.setdefault(user, []).append(item)
    return seqs, raw.hexdigest()


def classify(base, other):
    if base == other:
        return "identical"
    if len(other) == len(base) + 1:
        # the extra item is at the first position where the two differ (or at the end)
        pos = next((i for i, (a, b) in enumerate(zip(base, other)) if a != b), len(base))
        if other[:pos] + other[pos + 1:] == base:
            if pos == len(other) - 2:
                return "one item inserted before the last"
            return f"one item inserted at position {pos} of {len(other)}"
    return "other difference"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    base, _ = read(sys.argv[1])
    other, digest = read(sys.argv[2])
    counts = collections.Counter()
    examples = collections.defaultdict(list)
    for user in sorted(set(base) | set(other)):
        kind = classify(base.get(user, []), other.get(user, [])) if user in base and user in other else (
            "user only in " + ("base" if user in base else "other"))
        counts[kind] += 1
        if len(examples[kind]) < 3:
            examples[kind].append(user)
    actions = sum(map(len, other.values()))
    items = len({i for s in other.values() for i in s})
    print(f"other: {len(other)} users, {items} items, {actions} actions, sha256 {digest}")
    for kind, n in counts.most_common():
        print(f"  {n:6d} users: {kind} (e.g. {', '.join(map(str, examples[kind]))})")
    inserted = [u for u in other if u in base and classify(base[u], other[u]) == "one item inserted before the last"]
    if inserted:
        fresh = sum(1 for u in inserted if other[u][-2] not in base[u])
        print(f"  inserted items not elsewhere in their user's base sequence: {fresh} of {len(inserted)}")
    return 0 if set(counts) <= {"identical", "one item inserted before the last"} else 1


if __name__ == "__main__":
    sys.exit(main())
