#!/usr/bin/python3
"""Writes tests/fixtures/model/sasrec_reference.bin: a tiny SASRec built with PyTorch,
its inputs, weights, outputs, losses and every parameter gradient, for the C++ tests
(tests/train/test_loss_pytorch.cpp). Regenerate with Debian's torch:

    /usr/bin/python3 tools/make_reference.py            # writes the fixture
    /usr/bin/python3 tools/make_reference.py --check    # recomputes, compares with the file

The model is a plain re-implementation in the style of pmixer/SASRec.pytorch
(nn.Embedding, nn.LayerNorm(eps=1e-8), nn.MultiheadAttention, k=1 nn.Conv1d
feed-forward), with two changes the C++ engine also makes: padded keys are masked
in attention (each query keeps its own position, so a padded query row is never
fully masked; its output is zeroed after the block anyway), and the final hidden
states of padded positions are zeroed. Both norm layouts, 2 blocks, 2 heads,
padding in the batch (one sequence fully padded), dropout off. Weights are float32
values; everything is computed in float64 so the fixture holds the exact answer
for those weights, rounded once to float32.

File format (little-endian):
    8 bytes  magic "ANRFIX01"
    u32      number of entries
    entries: u32 name length, name (UTF-8), u8 dtype (0 = float32, 1 = int32),
             u32 ndim, ndim x i64 dims, the values (row-major)
Entry names, for each layout L in {pre, sasrec}:
    L/config       int32 [n_items, maxlen, hidden, blocks, heads, norm (0 pre, 1 sasrec), negatives K]
    L/gbce_t       float32 [t]
    L/seq, L/pos, L/neg      int32 (B,T): input items, targets (0 = padded), one negative per position
    L/neg_k        int32 (B,K): negatives shared by a sequence (sampled-ce, gbce)
    L/param/NAME   float32, every parameter under its state_dict name
    L/hidden       float32 (B,T,C) final hidden states
    L/logits       float32 (B,T,N+1) hidden @ item_emb.weight^T
    L/loss/KIND    float32 [1] for KIND in bce, ce, sampled-ce, gbce
    L/grad/KIND/NAME  float32, d loss / d parameter
"""
import argparse
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

N_ITEMS, MAXLEN, HIDDEN, BLOCKS, HEADS, K, GBCE_T = 30, 10, 16, 2, 2, 5, 0.75
LENS = [10, 6, 1, 0]  # real positions per sequence (left-padded)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "model",
                   "sasrec_reference.bin")


class PointWiseFeedForward(nn.Module):
    def __init__(self, c, dropout=0.0):
        super().__init__()
        self.conv1 = nn.Conv1d(c, c, kernel_size=1)
        self.relu = nn.ReLU()
        self.dropout1 = nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(c, c, kernel_size=1)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x):  # (B,T,C)
        y = self.dropout2(self.conv2(self.dropout1(self.relu(self.conv1(x.transpose(-1, -2))))))
        return y.transpose(-1, -2)


class SASRec(nn.Module):
    def __init__(self, n_items, maxlen, c, blocks, heads, norm, dropout=0.0):
        super().__init__()
        self.c, self.heads, self.norm = c, heads, norm
        self.item_emb = nn.Embedding(n_items + 1, c, padding_idx=0)
        self.pos_emb = nn.Embedding(maxlen, c)
        self.emb_dropout = nn.Dropout(dropout)  # (dropout is off for the fixture; bench_torch.py turns it on)
        self.attention_layernorms = nn.ModuleList()
        self.attention_layers = nn.ModuleList()
        self.forward_layernorms = nn.ModuleList()
        self.forward_layers = nn.ModuleList()
        for _ in range(blocks):
            self.attention_layernorms.append(nn.LayerNorm(c, eps=1e-8))
            self.attention_layers.append(nn.MultiheadAttention(c, heads, dropout=dropout))
            self.forward_layernorms.append(nn.LayerNorm(c, eps=1e-8))
            self.forward_layers.append(PointWiseFeedForward(c, dropout))
        self.last_layernorm = nn.LayerNorm(c, eps=1e-8)

    def forward(self, seqs):  # (B,T) int64 -> (B,T,C)
        b, t = seqs.shape
        x = self.item_emb(seqs) * (self.c ** 0.5)
        x = self.emb_dropout(x + self.pos_emb(torch.arange(t)).unsqueeze(0))
        pad = seqs == 0
        keep = (~pad).unsqueeze(-1).to(x.dtype)
        x = x * keep
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        eye = torch.eye(t, dtype=torch.bool)
        mask = causal.unsqueeze(0) | (pad.unsqueeze(1) & ~eye.unsqueeze(0))  # (B,T,T), True = not allowed
        mask = mask.repeat_interleave(self.heads, dim=0)  # (B*H,T,T), index b*H + h as MHA expects
        for i in range(len(self.attention_layers)):
            xt = x.transpose(0, 1)  # (T,B,C) for MultiheadAttention
            q = self.attention_layernorms[i](xt)
            if self.norm == "pre":
                a, _ = self.attention_layers[i](q, q, q, attn_mask=mask)
                x = (xt + a).transpose(0, 1)
                x = x + self.forward_layers[i](self.forward_layernorms[i](x))
            else:  # the original code: Q = LN(x); x = Q + Attn(Q, x, x); x = LN(x); x = x + FFN(x)
                a, _ = self.attention_layers[i](q, xt, xt, attn_mask=mask)
                x = (q + a).transpose(0, 1)
                x = self.forward_layernorms[i](x)
                x = x + self.forward_layers[i](x)
            x = x * keep
        return self.last_layernorm(x) * keep


def losses(h, E, pos, neg, neg_k, n_items, k, t):
    """The four losses, each written the way its source writes it."""
    valid = pos != 0
    pos_logits = (h * E[pos]).sum(-1)
    out = {}
    # bce: the paper / pmixer port
    neg_logits = (h * E[neg]).sum(-1)
    out["bce"] = (F.binary_cross_entropy_with_logits(pos_logits[valid], torch.ones_like(pos_logits[valid])) +
                  F.binary_cross_entropy_with_logits(neg_logits[valid], torch.zeros_like(neg_logits[valid])))
    # ce: softmax over items 1..N
    logits = h @ E[1:].T
    out["ce"] = F.cross_entropy(logits[valid], pos[valid] - 1)
    # sampled-ce: positive + K negatives shared by the sequence, positive is class 0
    negk_logits = torch.einsum("btc,bkc->btk", h, E[neg_k])
    cat = torch.cat([pos_logits.unsqueeze(-1), negk_logits], -1)
    out["sampled-ce"] = F.cross_entropy(cat[valid], torch.zeros(int(valid.sum()), dtype=torch.long))
    # gbce: gSASRec's transformed positive logit, then BCE averaged over the K+1 scores
    alpha = k / (n_items - 1)
    beta = alpha * (t * (1 - 1 / alpha) + 1 / alpha)
    p = torch.sigmoid(pos_logits[valid])
    pos_transformed = torch.log(1.0 / (p.pow(-beta) - 1.0))  # sigmoid(pos_transformed) = p^beta
    scores = torch.cat([pos_transformed.unsqueeze(-1), negk_logits[valid]], -1)
    gt = torch.zeros_like(scores)
    gt[:, 0] = 1
    out["gbce"] = F.binary_cross_entropy_with_logits(scores, gt)
    return out


def build(norm):
    g = torch.Generator().manual_seed(1234)
    model = SASRec(N_ITEMS, MAXLEN, HIDDEN, BLOCKS, HEADS, norm)
    with torch.no_grad():  # fixed float32 weights, then float64 arithmetic
        for name, p in model.named_parameters():
            w = torch.randn(p.shape, generator=g, dtype=torch.float32) * 0.3
            if "layernorm" in name and name.endswith(".weight"):
                w = w + 1.0
            p.copy_(w)
        model.item_emb.weight[0].zero_()
    model = model.double()
    b, t = len(LENS), MAXLEN
    seq = torch.zeros(b, t, dtype=torch.long)
    pos = torch.zeros(b, t, dtype=torch.long)
    neg = torch.zeros(b, t, dtype=torch.long)
    for i, n in enumerate(LENS):
        for j in range(t - n, t):
            seq[i, j] = 1 + int(torch.randint(N_ITEMS, (1,), generator=g))
            pos[i, j] = 1 + int(torch.randint(N_ITEMS, (1,), generator=g))
            while True:
                neg[i, j] = 1 + int(torch.randint(N_ITEMS, (1,), generator=g))
                if neg[i, j] != pos[i, j]:
                    break
    neg_k = 1 + torch.randint(N_ITEMS, (b, K), generator=g)
    entries = []
    pre = norm + "/"
    entries.append((pre + "config", torch.tensor([N_ITEMS, MAXLEN, HIDDEN, BLOCKS, HEADS, 0 if norm == "pre" else 1, K],
                                                 dtype=torch.int32)))
    entries.append((pre + "gbce_t", torch.tensor([GBCE_T], dtype=torch.float32)))
    for name, v in (("seq", seq), ("pos", pos), ("neg", neg), ("neg_k", neg_k)):
        entries.append((pre + name, v.to(torch.int32)))
    for name, p in model.named_parameters():
        entries.append((pre + "param/" + name, p.detach().float()))
    h = model(seq)
    entries.append((pre + "hidden", h.detach().float()))
    entries.append((pre + "logits", (h @ model.item_emb.weight.T).detach().float()))
    for kind in ("bce", "ce", "sampled-ce", "gbce"):
        model.zero_grad()
        h = model(seq)
        loss = losses(h, model.item_emb.weight, pos, neg, neg_k, N_ITEMS, K, GBCE_T)[kind]
        loss.backward()
        entries.append((pre + "loss/" + kind, loss.detach().float().reshape(1)))
        for name, p in model.named_parameters():
            entries.append((pre + "grad/" + kind + "/" + name, p.grad.detach().float()))
    return entries


def serialise(entries):
    out = bytearray(b"ANRFIX01")
    out += struct.pack("<I", len(entries))
    for name, v in entries:
        nb = name.encode()
        out += struct.pack("<I", len(nb)) + nb
        dtype = 0 if v.dtype == torch.float32 else 1
        assert v.dtype in (torch.float32, torch.int32), name
        out += struct.pack("<BI", dtype, v.dim())
        out += struct.pack("<%dq" % v.dim(), *v.shape)
        out += v.contiguous().numpy().astype("<f4" if dtype == 0 else "<i4").tobytes()
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="compare with the existing file instead of writing it")
    ap.add_argument("-o", default=OUT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = serialise(build("pre") + build("sasrec"))
    if args.check:
        with open(args.o, "rb") as f:
            same = f.read() == data
        print("fixture up to date" if same else "fixture differs from a fresh run")
        return 0 if same else 1
    os.makedirs(os.path.dirname(args.o), exist_ok=True)
    tmp = args.o + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.o)
    print("wrote %s (%d bytes)" % (args.o, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
