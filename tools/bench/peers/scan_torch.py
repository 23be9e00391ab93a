"""PyTorch peer of `npm run bench -- scan`: the same SCAN work, timed the same way.

frozen: H linear heads on standardised stored features (dim D, N rows), anchors + one neighbour
drawn uniformly from the k+1 columns (self included), SCAN loss (consistency with PyTorch's BCE
clamp - w * entropy of the batch mean, summed over heads), Adam with coupled L2; one epoch =
floor(N / batch) steps. image: one SCAN step of the small MNIST CNN + H heads, anchors and
neighbours forwarded separately in training mode. Prints one JSON object on stdout.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def scan_loss(a_logits, n_logits, w):
    pa, pn = F.softmax(a_logits, 1), F.softmax(n_logits, 1)
    sim = torch.bmm(pa.unsqueeze(1), pn.unsqueeze(2)).squeeze()
    consistency = F.binary_cross_entropy(sim, torch.ones_like(sim))
    p = torch.clamp(pa.mean(0), min=1e-8)
    entropy = -(p * torch.log(p)).sum()
    return consistency - w * entropy


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        blocks, c = [], 1
        for i, w in enumerate((32, 64, 128)):
            blocks += [nn.Conv2d(c, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            if i < 2:
                blocks.append(nn.MaxPool2d(2))
            c = w
        self.features = nn.Sequential(*blocks)

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mode', choices=['frozen', 'image'], required=True)
    ap.add_argument('--features', help='float32 N x D file (frozen)')
    ap.add_argument('--rows', type=int, default=8000)
    ap.add_argument('--dim', type=int, default=64)
    ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--heads', type=int, default=5)
    ap.add_argument('--neighbors', type=int, default=20)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    w = 5.0
    if a.mode == 'frozen':
        x = torch.from_numpy(__import__('numpy').fromfile(a.features, dtype='float32').reshape(a.rows, a.dim))
        xn = F.normalize(x, dim=1)
        nn_idx = torch.topk(xn @ xn.T, a.neighbors + 1, dim=1).indices
        xs = (x - x.mean(0)) / x.std(0)
        heads = nn.ModuleList([nn.Linear(a.dim, a.classes) for _ in range(a.heads)])
        opt = torch.optim.Adam(heads.parameters(), lr=3e-3, weight_decay=1e-4)
        times = []
        for _ in range(a.epochs):
            t = time.perf_counter()
            order = torch.randperm(a.rows)
            for s in range(a.rows // a.batch):
                idx = order[s * a.batch:(s + 1) * a.batch]
                col = torch.randint(0, a.neighbors + 1, (a.batch,))
                nidx = nn_idx[idx, col]
                anchors, neighbors = xs[idx], xs[nidx]
                loss = sum(scan_loss(h(anchors), h(neighbors), w) for h in heads)
                opt.zero_grad()
                loss.backward()
                opt.step()
            times.append(time.perf_counter() - t)
        print(json.dumps({'epochSeconds': statistics.median(times), 'epochs': times, 'threads': a.threads, 'torch': torch.__version__}))
    else:
        backbone = SmallCnn()
        heads = nn.ModuleList([nn.Linear(128, a.classes) for _ in range(a.heads)])
        params = list(backbone.parameters()) + list(heads.parameters())
        opt = torch.optim.Adam(params, lr=3e-3, weight_decay=1e-4)
        gen = torch.Generator().manual_seed(0)
        anchors = torch.randn(a.batch, 1, 28, 28, generator=gen)
        neighbors = torch.randn(a.batch, 1, 28, 28, generator=gen)
        times = []
        for i in range(a.steps + 1):
            t = time.perf_counter()
            fa, fn = backbone(anchors), backbone(neighbors)
            loss = sum(scan_loss(h(fa), h(fn), w) for h in heads)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i > 0:
                times.append(time.perf_counter() - t)
        print(json.dumps({'stepSeconds': statistics.median(times), 'steps': times, 'threads': a.threads, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
