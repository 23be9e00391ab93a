"""Peer of `npm run bench -- extract`: embeddings of a folder of JPEGs with a CIFAR ResNet-18 in
PyTorch on CPU (PIL decode + ToTensor + Normalize in a 2-worker DataLoader, eval mode, no_grad),
the way the reference's feature extraction runs. Prints one JSON object."""
import argparse
import glob
import json
import os
import sys
import time

import torch
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import ResNet18Cifar  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--root', required=True)
p.add_argument('--batch', type=int, default=256)
p.add_argument('--threads', type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
files = sorted(glob.glob(os.path.join(a.root, '*.jpg')))
tf = T.Compose([T.ToTensor(), T.Normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010])])


class D(torch.utils.data.Dataset):
    def __len__(self):
        return len(files)

    def __getitem__(self, i):
        return tf(Image.open(files[i]).convert('RGB'))


model = ResNet18Cifar().eval()
loader = torch.utils.data.DataLoader(D(), batch_size=a.batch, shuffle=False, num_workers=2)


def one_pass():
    n, t0 = 0, time.time()
    with torch.no_grad():
        for x in loader:
            f = torch.nn.functional.normalize(model(x), dim=1)
            n += f.shape[0]
    return n, time.time() - t0


one_pass()  # warm-up: file cache, worker start, allocator
n, s = one_pass()
print(json.dumps({'images': n, 'seconds': s, 'imagesPerSec': n / s}))
