"""Started by test_distributed.py under torchrun. `ddp_worker.py WEIGHTS`: a tiny DDP run with `train()`, stopped after
its first epoch; `ddp_worker.py WEIGHTS RUN`: resume RUN to the end. Every rank then saves the weights it holds."""
import os, sys
from pathlib import Path
import torch
from fastai.basics import Callback, CancelFitException
from fmnist_fastai.training import train

class StopAfterFirstEpoch(Callback):
    order = 70  # after `Checkpoint` has saved the epoch
    def after_epoch(self):
        if self.epoch == 0: raise CancelFitException

weights = Path(sys.argv[1])
if len(sys.argv) > 2: res = train(resume=sys.argv[2])
else: res = train(arch='maxpool_resnet_half', subset=2400, epochs=2, bs=64, tta='flip', seed=0, cbs=[StopAfterFirstEpoch()])
torch.save(res.learn.model.state_dict(), weights/f"rank{os.environ['RANK']}.pt")
