#!/usr/bin/python3
"""PyTorch speed reference for bench/train_step.cpp: the same SASRec (tools/make_reference.py's
model: sasrec layout, padded keys masked) trained on the same ML-1M configuration (maxlen 200,
hidden 50, 2 blocks, 1 head, dropout 0.2, batch 128, bce with one negative per position or ce over
all items (--loss), Adam),
float32, on Debian's torch. Prints sequences/s and the implied ML-1M epoch time.

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/bench_torch.py --threads 2 --steps 20

Debian's torch 1.13 calls the reference BLAS unless told otherwise; for a fair comparison put
OpenBLAS first:  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
Sequence lengths are ML-1M's (../shared/data/ml-1m-sasrec-rebuilt) when present.
"""
import argparse
import gzip
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import SASRec  # noqa: E402

MAXLEN, HIDDEN, BLOCKS, HEADS, DROPOUT, BATCH, USERS = 200, 50, 2, 1, 0.2, 128, 6040


def load_users():
    here = os.path.dirname(os.path.abspath(__file__))
    for d in ("/work/shared/data", os.path.join(here, "..", "..", "shared", "data")):
        path = os.path.join(d, "ml-1m-sasrec-rebuilt", "ml-1m.txt.gz")
        if os.path.exists(path):
            users = {}
            with gzip.open(path, "rt") as f:
                for line in f:
                    u, i = line.split()
                    users.setdefault(int(u), []).append(int(i))
            return list(users.values()), max(max(s) for s in users.values()), True
    rng = random.Random(1)
    users = [[1 + rng.randrange(3416) for _ in range(20 + int(rng.lognormvariate(4.3, 1.0)))] for _ in range(USERS)]
    return users, 3416, False


def make_batch(users, n_items, rng):
    seq = torch.zeros(BATCH, MAXLEN, dtype=torch.long)
    pos = torch.zeros_like(seq)
    neg = torch.zeros_like(seq)
    for r in range(BATCH):
        items = users[rng.randrange(len(users))]
        train = items[:-2]
        n = min(MAXLEN, max(0, len(train) - 1))
        if n:
            seq[r, MAXLEN - n:] = torch.tensor(train[-n - 1:-1])
            pos[r, MAXLEN - n:] = torch.tensor(train[-n:])
            neg[r, MAXLEN - n:] = torch.tensor([1 + rng.randrange(n_items) for _ in range(n)])
    return seq, pos, neg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--loss", choices=("bce", "ce"), default="bce")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    users, n_items, real = load_users()
    model = SASRec(n_items, MAXLEN, HIDDEN, BLOCKS, HEADS, "sasrec", dropout=DROPOUT)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    rng = random.Random(7)
    batches = [make_batch(users, n_items, rng) for _ in range(8)]
    model.train()
    t0 = None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            t0 = time.perf_counter()
        seq, pos, neg = batches[step % len(batches)]
        h = model(seq)
        E = model.item_emb.weight
        valid = pos != 0
        if args.loss == "bce":
            pl = (h * E[pos]).sum(-1)[valid]
            nl = (h * E[neg]).sum(-1)[valid]
            loss = (F.binary_cross_entropy_with_logits(pl, torch.ones_like(pl)) +
                    F.binary_cross_entropy_with_logits(nl, torch.zeros_like(nl)))
        else:  # SASRec+: softmax over every item (row 0 is padding and excluded) at real positions
            logits = h[valid] @ E[1:].t()
            loss = F.cross_entropy(logits, pos[valid] - 1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = (time.perf_counter() - t0) / args.steps
    if args.json:
        import json
        print(json.dumps({"torch": torch.__version__, "loss": args.loss, "threads": args.threads,
                          "real_lengths": real, "ms_per_step": dt * 1e3, "seq_per_s": BATCH / dt,
                          "epoch_s": USERS / (BATCH / dt)}))
    else:
        print("torch %s, %s, %d threads, %s lengths: %.1f ms/step, %.1f seq/s, ML-1M epoch %.1f s"
              % (torch.__version__, args.loss, args.threads, "ml-1m" if real else "synthetic", dt * 1e3,
                 BATCH / dt, USERS / (BATCH / dt)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
