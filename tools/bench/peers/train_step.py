"""PyTorch peer of `npm run bench -- train-step`: the same network and step, timed the same way.

The ResNet-18 below is the SCAN reference's `models/resnet_cifar.py` (3x3 stem, no max-pool,
BasicBlocks [2, 2, 2, 2]); the small CNN is the MNIST anchor's. One step = forward in training
mode + cross-entropy over 10 classes from a linear layer on the features + backward + SGD momentum
update; for `--task simclr`, both views through an MLP head, L2 and the SimCLR loss, in one pass or,
with `--chunk N`, by gradient caching in chunks of N views as twindb's pretext step does. Prints one
JSON object on stdout.
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18Cifar(nn.Module):
    def __init__(self, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, in_planes = [], 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes, 1)))
            in_planes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.dim = 512
        init_like_reference(self)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return torch.flatten(F.adaptive_avg_pool2d(out, 1), 1)


class SmallCnn(nn.Module):
    def __init__(self, in_channels=1):
        super().__init__()
        blocks, c = [], in_channels
        for i, w in enumerate((32, 64, 128)):
            blocks += [nn.Conv2d(c, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            if i < 2:
                blocks.append(nn.MaxPool2d(2))
            c = w
        self.features = nn.Sequential(*blocks)
        self.dim = 128
        init_like_reference(self)

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1)


def init_like_reference(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


def simclr_loss(features, temperature):
    """The SCAN reference's SimCLR loss: features [2b, d] = [first views; second views]; only first views are anchors."""
    b = features.shape[0] // 2
    logits = features[:b] @ features.t() / temperature
    logits = logits - logits.max(dim=1, keepdim=True)[0].detach()
    self_mask = torch.zeros_like(logits, dtype=torch.bool)
    self_mask[torch.arange(b), torch.arange(b)] = True
    log_denominator = torch.logsumexp(logits.masked_fill(self_mask, float("-inf")), dim=1)
    positives = logits[torch.arange(b), b + torch.arange(b)]
    return (log_denominator - positives).mean()


def grad_cache_step(model, x, chunk, temperature):
    """twindb's gradient caching (packages/pretext/src/grad-cache-step.ts), same chunks: both views of
    chunk/2 consecutive samples per chunk, batch norm per chunk, running statistics updated once per chunk.
    Leaves the parameter gradients in .grad and returns the loss."""
    b, per = x.shape[0] // 2, chunk // 2
    chunks = [torch.cat([x[s:s + per], x[b + s:b + s + per]]) for s in range(0, b, per)]
    buffers = [t.clone() for t in model.buffers()]
    with torch.no_grad():
        zs = [F.normalize(model(c), dim=1) for c in chunks]
    for t, saved in zip(model.buffers(), buffers):
        t.copy_(saved)
    z = torch.cat([zc[:per] for zc in zs] + [zc[per:] for zc in zs]).requires_grad_()
    loss = simclr_loss(z, temperature)
    loss.backward()
    g = z.grad
    for k, c in enumerate(chunks):
        s = k * per
        cached = torch.cat([g[s:s + per], g[b + s:b + s + per]])
        (F.normalize(model(c), dim=1) * cached).sum().backward()
    return loss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["resnet18", "small-cnn"], default="resnet18")
    p.add_argument("--task", choices=["supervised", "simclr"], default="supervised")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--chunk", type=int, default=0, help="simclr: views per gradient-caching chunk (0 = one pass)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, required=True)
    args = p.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    if args.model == "resnet18":
        backbone, shape = ResNet18Cifar(), (3, 32, 32)
    else:
        backbone, shape = SmallCnn(), (1, 28, 28)
    simclr = args.task == "simclr"
    if simclr:
        features = 128 if args.model == "resnet18" else 64
        head = nn.Sequential(nn.Linear(backbone.dim, backbone.dim), nn.ReLU(), nn.Linear(backbone.dim, features))
    else:
        head = nn.Linear(backbone.dim, 10)
    model = nn.Sequential(backbone, head).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn((2 if simclr else 1) * args.batch, *shape)
    y = torch.randint(0, 10, (args.batch,))

    times, cpu_times, losses = [], [], []
    for step in range(args.warmup + args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        if simclr and args.chunk > 0:
            loss = grad_cache_step(model, x, args.chunk, 0.1)
        else:
            loss = simclr_loss(F.normalize(model(x), dim=1), 0.1) if simclr else F.cross_entropy(model(x), y)
            loss.backward()
        opt.step()
        losses.append(loss.item())
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        if step >= args.warmup:
            times.append(elapsed * 1000)
            cpu_times.append(cpu * 1000)

    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "backboneParams": sum(p.numel() for p in backbone.parameters()),
        "stepMs": times,
        "medianStepMs": statistics.median(times),
        "medianCpuMs": statistics.median(cpu_times),
        "losses": losses,
        "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()
