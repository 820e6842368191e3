"""One lent GPU's worth of runs, as four jobs that share the GPU (each is one Python process at a time):

- seed:    the seed's recipe (WRN-40-4, AutoAugment, erasing, CutMix, Adam + warm-up + cosine) for as many epochs as fit
           before the deadline, sized by timing a short fit first; warm-up scaled like the seed's 10 of 400 epochs
- budget:  `fmnist-bench` on this device, then the default recipe at the fast.ai course's 5 and 20 epochs, the
           second started only if its predicted time (from the first) fits; the 50-epoch run is a fourth job of its own
- ablation: `fmnist-ablation` at a longer budget than the CPU grid's; rows are appended as they finish, and the job
           is stopped at the deadline

Every run writes into a temporary folder; logs go to --out/<job>.log; after each run, and at the end, everything but
the weights is packed into --out/runs.tgz and a summary into --out/campaign.json, so a command cut off still returns
what finished (and --out holds a few files only: the device tool returns at most 8). Holdout metrics are in every run; the test set is only scored, never used to choose.
"""
import argparse, json, math, shutil, subprocess, sys, tarfile, tempfile, threading, time
from functools import partial
from pathlib import Path

FULL = dict(subset=None, seed_arch='wrn_40_4', budget_epochs=((5, 20), (50,)), ablation_epochs=5, ablation_subset=60_000,
            ablation_archs='wrn_40_4,resnet34,efficientnet_b0', bench=[], probe_images=5_120, max_seed_epochs=400)
TINY = dict(subset=600, seed_arch='compact_resnet', budget_epochs=((1,),), ablation_epochs=2, ablation_subset=600,
            ablation_archs='', bench=['--images', '256', '--rounds', '1'], probe_images=256, max_seed_epochs=2)
GRACE_S = 30  # past the deadline, a run still going is stopped

class Campaign:
    def __init__(self, out:Path, budget_s:float, cfg:dict):
        self.out, self.work, self.cfg = out, Path(tempfile.mkdtemp(prefix='fmnist-campaign-')), cfg
        out.mkdir(parents=True, exist_ok=True)
        self.start, self.deadline = time.time(), time.time() + budget_s
        self.lock, self.log = threading.Lock(), []

    def left(self): return self.deadline - time.time()

    def module(self, job:str, name:str, mod:str, *args, grace:float=GRACE_S) -> float|None:
        "Run `python -m fmnist_fastai.<mod> args` into <job>.log, stopped `grace` s past the deadline; its seconds, or None if it failed or was stopped"
        t0 = time.time()
        with open(self.out/f'{job}.log', 'a') as log:
            print(f'\n### {name}: {mod} {" ".join(map(str, args))}', file=log, flush=True)
            p = subprocess.Popen([sys.executable, '-m', f'fmnist_fastai.{mod}', *map(str, args)], stdout=log, stderr=subprocess.STDOUT)
            try: rc = p.wait(timeout=max(self.left() + grace, 1))
            except subprocess.TimeoutExpired: p.kill(); rc = p.wait()
        secs = time.time() - t0
        self.record(dict(job=job, run=name, module=mod, args=list(map(str, args)), rc=rc, seconds=round(secs, 1)))
        return secs if rc == 0 else None

    def record(self, entry:dict):
        with self.lock:
            self.log.append(entry)
            print(json.dumps(entry), flush=True)
            self.pack()

    def pack(self):
        "runs.tgz (all but weights and checkpoints) and campaign.json, each written to a temporary name and renamed"
        tmp = self.out/'runs.tgz.tmp'
        with tarfile.open(tmp, 'w:gz') as tar:
            tar.add(self.work, 'runs', filter=lambda t: None if t.name.endswith(('.safetensors', '.pt')) else t)
        tmp.replace(self.out/'runs.tgz')
        (self.out/'campaign.json.tmp').write_text(json.dumps(dict(device=device_name(), elapsed_s=round(time.time() - self.start),
                                                                   runs=self.log), indent=2))
        (self.out/'campaign.json.tmp').replace(self.out/'campaign.json')

    def train(self, job, name, *args):
        return self.module(job, name, 'train', '--out', self.work/name, '--overwrite', *self.subset(), *args)

    def subset(self): return ['--subset', self.cfg['subset']] if self.cfg['subset'] else []

    def seed_job(self):
        epochs = self.seed_epochs()
        if epochs < 2: return self.record(dict(job='seed', run='seed', skipped=f'{epochs} epoch(s) fit before the deadline'))
        warmup = max(1, round(epochs * 10 / 400))  # the seed's 10 warm-up epochs of 400
        self.train('seed', f'seed-{epochs}ep', '--preset', 'seed', '--arch', self.cfg['seed_arch'], '--epochs', epochs, '--warmup', warmup)

    def seed_epochs(self) -> int:
        "Epochs of the seed recipe that fit before the deadline, from timing a short fit of it (one-cycle, no CutMix)"
        from fmnist_fastai.bench import fastai_fit
        from fmnist_fastai.data import load_fashion_mnist
        from fmnist_fastai.train import resolve_settings
        n = self.cfg['probe_images']
        s = resolve_settings(dict(preset='seed', arch=self.cfg['seed_arch'], holdout=0., subset=n, seed=0, data_path=None,
                                  num_workers=0, tensorboard=False))
        secs, _ = fastai_fit(s, load_fashion_mnist())
        epoch_s = 1.15 * secs / n * 0.9 * (self.cfg['subset'] or 60_000)  # 15% for the holdout pass and the schedule's callbacks
        epochs = math.floor((self.left() - 20 - 0.5 * epoch_s) / epoch_s)  # half an epoch for holdout, test and TTA at the end
        self.record(dict(job='seed', run='probe', images=n, seconds=round(secs, 1), epoch_s=round(epoch_s, 1), epochs=epochs))
        return min(epochs, self.cfg['max_seed_epochs'])

    def budget_job(self, job:str, epochs_seq, bench:bool):
        if bench: self.module(job, 'bench', 'bench', *self.cfg['bench'])
        prev = None
        for epochs in epochs_seq:
            if prev and prev[1] * epochs / prev[0] > self.left():
                self.record(dict(job=job, run=f'default-{epochs}ep', skipped=f'predicted {prev[1] * epochs / prev[0]:.0f}s, {self.left():.0f}s left'))
                continue
            secs = self.train(job, f'default-{epochs}ep', '--preset', 'default', '--epochs', epochs)
            if secs: prev = (epochs, secs)

    def ablation_job(self):
        c = self.cfg
        self.module('ablation', 'ablation', 'ablation', '--csv', self.work/'ablation'/'ablation.csv', '--epochs', c['ablation_epochs'],
                    '--subset', c['ablation_subset'], '--seeds', '0', '--archs', c['ablation_archs'], grace=0)  # finished rows stay

    def run(self):
        first, *rest = self.cfg['budget_epochs']
        budget = [('budget', partial(self.budget_job, 'budget', first, True))] + \
                 [(f'budget{e[0]}', partial(self.budget_job, f'budget{e[0]}', e, False)) for e in rest]
        todo = [('seed', self.seed_job), *budget, ('ablation', self.ablation_job)]
        jobs = [threading.Thread(target=self.guarded, args=job) for job in todo]
        for j in jobs: j.start()
        for j in jobs: j.join()
        self.record(dict(job='campaign', run='end', elapsed_s=round(time.time() - self.start)))
        summarize(self.work)
        shutil.rmtree(self.work)  # the weights: runs.tgz holds the rest

    def guarded(self, name, job):
        "Run `job`; an exception is recorded (and the other jobs go on)"
        try: job()
        except Exception as e: self.record(dict(job=name, error=repr(e)))

def device_name():
    import torch
    return torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'

def summarize(work:Path):
    "One line per finished run: holdout, test and TTA accuracy, wall time"
    for f in sorted(work.glob('*/metrics.json')):
        m = json.loads(f.read_text())['metrics']
        print(f"{f.parent.name:>16}: holdout {m.get('holdout_accuracy', float('nan')):.4f} | test {m['test_accuracy']:.4f} | "
              f"TTA {m.get('tta_accuracy', float('nan')):.4f} | wall {m['wall_time_s']:.0f}s")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', type=Path, required=True, help='folder for logs, runs.tgz and campaign.json')
    p.add_argument('--budget', type=float, default=470, help='seconds from the start until every job should have finished')
    p.add_argument('--tiny', action='store_true', help='CPU dry-run: 600-image subsets, the compact ResNet, 1-2 epochs')
    a = p.parse_args()
    Campaign(a.out, a.budget, TINY if a.tiny else FULL).run()
