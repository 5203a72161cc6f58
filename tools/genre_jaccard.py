#!/usr/bin/env python3
"""Mean genre Jaccard of an anime's nearest neighbours vs random pairs (issue 5, point 6).

For the N most-watched anime (by the `members` column of the metadata file) this runs
`anirec similar id:RAW --model M --json -k K`, and averages the Jaccard index of the genre sets
of each (anchor, neighbour) pair. The reference is the same anchors paired with K items drawn
uniformly from the metadata catalogue (seeded): a neighbour list that ignores genre scores about
the random figure. Anchors or items without genres are skipped (Jaccard is undefined for them).

Usage:
  tools/genre_jaccard.py --anirec build/anirec --model m.safetensors \
      --info ../shared/data/anime-cooperunion-5k-caserec/anime_info.dat [--anchors 200] [-k 10] [--seed 1]
Prints one JSON object: neighbour and random means, pair counts, anchors used.
"""
import argparse
import csv
import json
import random
import subprocess
import sys


def read_info(path):
    """anime_info.dat (caserec TSV with header): id -> (genre set, members)."""
    info = {}
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        header = next(rows)
        idx = {name: i for i, name in enumerate(header)}
        for n, r in enumerate(rows, start=2):
            if len(r) != len(header):
                sys.exit(f"{path}:{n}: {len(r)} fields, expected {len(header)}")
            genres = {g.strip() for g in r[idx["genre"]].split(",") if g.strip()}
            members = int(r[idx["members"]]) if r[idx["members"]].strip() else 0
            info[r[idx["anime_ids"]]] = (genres, members)
    return info


def jaccard(a, b):
    return len(a & b) / len(a | b)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--anirec", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--info", required=True)
    p.add_argument("--anchors", type=int, default=200)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    info = read_info(a.info)
    with_genres = [i for i, (g, _) in info.items() if g]
    anchors = sorted(with_genres, key=lambda i: -info[i][1])[: a.anchors]
    rng = random.Random(a.seed)
    nb_sum = nb_n = rnd_sum = rnd_n = 0
    used = 0
    for anchor in anchors:
        out = subprocess.run([a.anirec, "similar", f"id:{anchor}", "--model", a.model, "--json", "-k", str(a.k)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"anirec similar id:{anchor} failed ({out.returncode}): {out.stderr.strip()}")
        rows = json.loads(out.stdout)["similar"]
        ga = info[anchor][0]
        used += 1
        for r in rows:
            gb = info.get(str(r["id"]), (set(), 0))[0]
            if gb:
                nb_sum += jaccard(ga, gb)
                nb_n += 1
        for _ in range(a.k):
            other = rng.choice(with_genres)
            while other == anchor:
                other = rng.choice(with_genres)
            rnd_sum += jaccard(ga, info[other][0])
            rnd_n += 1
    print(json.dumps({"anchors": used, "k": a.k, "neighbour_pairs": nb_n,
                      "neighbour_mean_jaccard": nb_sum / max(nb_n, 1), "random_pairs": rnd_n,
                      "random_mean_jaccard": rnd_sum / max(rnd_n, 1), "seed": a.seed}, indent=2))


if __name__ == "__main__":
    main()
