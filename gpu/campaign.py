"""One lent GPU's runs, one after the other in one process, each written as soon as it finishes:

1. `fmnist-bench` on the GPU: the fastai/loop time ratio and the data pipeline (compact ResNet at 32 px, as measured
   before), and the seed recipe's seconds per epoch (WRN-40-4, AutoAugment, erasing, CutMix; 54,000 images); host-device
   syncs per batch; `fmnist-bench --overhead`'s host time per batch (near-null model) and aten operations, on the GPU,
   and where that host time goes (`profile`: cProfile of the learner's epoch), and the training batch transforms compiled (`compile_tfms`),
   both asked for by name;
2. `gpu5`: five minutes of a wide ResNet on 54,000 images, holdout and test scored, fixed before the run;
3. the epoch budgets `ep5`, `ep20`, `ep50`, each started only if its predicted time fits;
4. `seed-ranger`, the seed's Run B exactly, for the minutes that are left.

Each run's `metrics.json`, `history.csv` and `settings.json` (not the weights) go into --out/runs.tgz, a summary into
--out/campaign.json, after every step, so a command cut off still returns what finished. Holdout metrics are in every
run; the test set is only scored, never used to choose.
"""
import argparse, json, math, sys, tarfile, tempfile, time, traceback
from pathlib import Path

FULL = dict(images=12_800, rounds=3, overhead_batches=100, overhead_rounds=5, seed_epochs=2, subset=None, gpu5=None, budgets=('ep5', 'ep20', 'ep50'), min_seed_minutes=1.0, max_seed_minutes=None)
# CPU dry-run: small data, small network, 2-view TTA, time-budget runs of a minute (scoring the 10,000 test images alone takes 20-40 s on 2 cores)
TINY = dict(images=256, rounds=1, overhead_batches=10, overhead_rounds=2, seed_epochs=2, subset=600, gpu5=1.0, budgets=('ep5',), min_seed_minutes=0.2, max_seed_minutes=1.0,
            overrides=dict(arch='maxpool_resnet_half', resize=28, size=28, tta='flip'))

def torch_cuda() -> bool:
    import torch
    return torch.cuda.is_available()

class Campaign:
    def __init__(self, out:Path, budget_s:float, cfg:dict):
        self.out, self.cfg, self.work = out, cfg, Path(tempfile.mkdtemp(prefix='fmnist-campaign-'))
        out.mkdir(parents=True, exist_ok=True)
        self.start, self.deadline, self.log = time.time(), time.time() + budget_s, []

    def left(self) -> float: return self.deadline - time.time()

    def record(self, entry:dict):
        "Log `entry`, then rewrite campaign.json and runs.tgz (each under a temporary name, then renamed)"
        from fmnist_fastai.data import atomic_write
        from fmnist_fastai.learner import machine
        entry['at_s'] = round(time.time() - self.start, 1)
        self.log.append(entry)
        print(json.dumps(entry), flush=True)
        def pack(tmp):
            with tarfile.open(tmp, 'w:gz') as tar:
                tar.add(self.work, 'runs', filter=lambda t: None if t.name.endswith(('.safetensors', '.pt')) else t)
        atomic_write(self.out/'runs.tgz', pack)
        atomic_write(self.out/'campaign.json', lambda t: t.write_text(json.dumps(dict(machine=machine(), runs=self.log), indent=2)))

    def step(self, name:str, f):
        "Run step `f`, recording its result or its error; the campaign goes on either way"
        t0 = time.time()
        try: res = f()
        except Exception as e: return self.record(dict(step=name, error=f'{type(e).__name__}: {e}', trace=traceback.format_exc()[-1500:]))
        self.record(dict(step=name, seconds=round(time.time() - t0, 1), **(res or {})))
        return res

    def train(self, name:str, **kw) -> dict:
        from fmnist_fastai.training import train
        res = train(out=self.work/name, overwrite=True, subset=self.cfg['subset'], **self.cfg.get('overrides', {}), **kw)
        return dict(run=name, epochs=res.settings['epochs'], **{k: round(v, 4) for k, v in res.metrics.items()})

    def bench(self) -> dict:
        from fmnist_fastai.bench import compare_loops, seed_epoch_s
        c = self.cfg
        r = compare_loops(images=c['images'], rounds=c['rounds'], arch='compact_resnet', resize=36, size=32)
        res = dict(ratio=round(r['ratio'], 3), ratios=[round(x, 3) for x in r['ratios']], fastai_img_s=round(r['fastai_img_s']),
                   loop_img_s=round(r['loop_img_s']), pipeline_img_s=round(r['pipeline_img_s']), precision=r['precision'])
        res['seed_epoch_s'] = round(seed_epoch_s(c['seed_epochs'], subset=c['subset'], **c.get('overrides', {})), 2)
        return res

    def pipeline(self) -> dict:
        "The training pipeline alone (resize 36, crop 32, flip, normalise, 3 channels) at several batch sizes"
        from fmnist_fastai.bench import pipeline_speed
        from fmnist_fastai.data import load_fashion_mnist, fmnist_dls
        data = load_fashion_mnist()
        return {f'bs{bs}_img_s': round(pipeline_speed(fmnist_dls(data, bs=bs, holdout=0, subset=self.cfg['subset']).train, 2)) for bs in (128, 256, 512)}

    def overhead(self) -> dict:
        "`fmnist-bench --overhead` on this device: host ms per batch of `default` and `seed` with a near-null model against the plain loop, and aten operations per batch"
        from fmnist_fastai.bench import host_overhead, batch_ops
        keys = 'fastai_ms', 'loop_ms', 'extra_ms', 'ratio', 'fastai_pipeline_ms', 'loop_pipeline_ms', 'pipeline_extra_ms', 'callbacks_extra_ms'
        res = {p: {k: round(v, 3) for k, v in host_overhead(p, self.cfg['overhead_batches'], self.cfg['overhead_rounds']).items() if k in keys} for p in ('default', 'seed')}
        for p in ('default', 'seed'):
            o = batch_ops(p, step=p == 'default')
            res[p] |= dict(pipeline_ops=o['pipeline'], **({'step_ops': o['step']} if 'step' in o else {}))
        return res

    def host_profile(self) -> dict:
        "Where the host's time goes: cProfile of `train`'s learner fitting `default` with the near-null model, an epoch of 100 batches after a warm-up fit (top 30 functions by own and by cumulative time)"
        import cProfile, io, pstats
        from fmnist_fastai.bench import null_model
        from fmnist_fastai.data import load_fashion_mnist
        from fmnist_fastai.training import fit_run, learner_from_settings, resolve_settings
        s = resolve_settings(dict(preset='default', holdout=0., subset=None, seed=0, data_path=None, tensorboard=False, epochs=1, warmup=1, precision='fp32'))
        learn = learner_from_settings(s, load_fashion_mnist())
        learn.model, learn.dls.train.n, learn.path = null_model(s), 100 * s['bs'], self.work/'host_profile'
        learn.path.mkdir()
        with learn.no_bar(), learn.no_logging():
            fit_run(learn, s, learn.path)
            prof = cProfile.Profile()
            prof.runcall(fit_run, learn, s, learn.path)
        text = io.StringIO()
        for key in ('tottime', 'cumulative'): pstats.Stats(prof, stream=text).sort_stats(key).print_stats(30)
        return dict(batches=100, profile=text.getvalue())

    def compiled_tfms(self) -> dict:
        "The seed's training batches with `compile_tfms` on and off, from the same seed: how many images differ; the pipeline's images/s and seconds per seed epoch each way"
        import torch
        from fastai.basics import set_seed
        from fmnist_fastai.bench import pipeline_speed, seed_epoch_s
        from fmnist_fastai.data import load_fashion_mnist
        from fmnist_fastai.training import learner_from_settings, resolve_settings
        data, res = load_fashion_mnist(), {}
        batches = {}
        for mode in ('off', 'on'):
            s = resolve_settings(dict(preset='seed', holdout=0.1, subset=self.cfg['subset'], seed=0, data_path=None, tensorboard=False, epochs=2, warmup=1, compile_tfms=mode))
            dl = learner_from_settings(s, data).dls.train
            t0 = time.time(); next(iter(dl)); first_s = time.time() - t0  # compiling, on the first batch
            set_seed(0); dl.rng.seed(0)
            batches[mode] = [x.clone() for (x, _), _ in zip(dl, range(10))]
            res[mode] = dict(first_batch_s=round(first_s, 1), pipeline_img_s=round(pipeline_speed(dl)))
        res['images_differing'] = sum(int((a != b).flatten(1).any(1).sum()) for a, b in zip(batches['off'], batches['on']))
        res['images_compared'] = sum(len(a) for a in batches['off'])
        if torch.cuda.is_available():  # (54,000 images of the wide ResNet: too long for a CPU's dry run)
            for mode in ('off', 'on'): res[mode]['seed_epoch_s'] = round(seed_epoch_s(self.cfg['seed_epochs'], compile_tfms=mode), 2)
        return res

    def sync_check(self) -> dict:
        "Host-device syncs per training batch, counted by CUDA's sync debug mode during the training phase of an epoch (after a warm-up epoch)"
        import warnings, collections, torch
        from fastai.basics import Callback
        from fmnist_fastai.data import load_fashion_mnist
        from fmnist_fastai.recipes import fit_schedule
        from fmnist_fastai.training import learner_from_settings, mixing_callbacks, resolve_settings
        class Watch(Callback):
            def before_train(self):
                if self.epoch == 1: self.caught = warnings.catch_warnings(record=True); self.log = self.caught.__enter__(); warnings.simplefilter('always'); torch.cuda.set_sync_debug_mode('warn')
            def after_train(self):
                if self.epoch == 1: torch.cuda.set_sync_debug_mode(0); self.caught.__exit__(None, None, None); self.batches = self.n_iter
        res = {}
        for preset in ('seed', 'gpu5'):
            s = resolve_settings(dict(preset=preset, holdout=0.1, subset=self.cfg['subset'] or 6000, seed=0, data_path=None, tensorboard=False, epochs=2, warmup=1))
            learn, watch = learner_from_settings(s, load_fashion_mnist()), Watch()
            fit_schedule(learn, s['schedule'], 2, s['lr'], 1, cbs=[*mixing_callbacks(s), watch])
            where = collections.Counter(f'{Path(w.filename).name}:{w.lineno}' for w in watch.log)
            res[preset] = dict(batches=watch.batches, syncs=sum(where.values()), where=dict(where.most_common(8)))
        return res

    def run(self, steps=('bench', 'pipeline', 'syncs', 'overhead', 'gpu5', 'budgets', 'seed-ranger'), epoch_s:float|None=None):
        from fastai.basics import defaults
        from fastai.callback.progress import ProgressCallback
        defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]  # no progress bars in the log
        if 'bench' in steps: self.step('bench', self.bench)
        if 'pipeline' in steps: self.step('pipeline', self.pipeline)
        if 'syncs' in steps and torch_cuda(): self.step('syncs', self.sync_check)
        if 'overhead' in steps: self.step('overhead', self.overhead)
        if 'profile' in steps: self.step('profile', self.host_profile)
        if 'compile_tfms' in steps: self.step('compile_tfms', self.compiled_tfms)
        epoch_s = dict(wide=epoch_s) if epoch_s else {}  # seconds per epoch of the wide ResNet, to predict the next runs
        if 'gpu5' in steps:
            gpu5 = self.step('gpu5', lambda: self.train('gpu5', preset='gpu5', **({'minutes': self.cfg['gpu5']} if self.cfg['gpu5'] else {})))
            if gpu5 and 'epochs' in gpu5: epoch_s['wide'] = gpu5['train_time_s'] / gpu5['epochs']
        for p in (self.cfg['budgets'] if 'budgets' in steps else [s for s in steps if s.startswith('ep')]):
            e = int(p[2:])
            need = e * epoch_s['wide'] + 20 if 'wide' in epoch_s else 0
            if need > self.left():
                self.record(dict(step=p, skipped=f'needs about {need:.0f} s, {self.left():.0f} s left'))
                continue
            r = self.step(p, lambda: self.train(p, preset=p))
            if r and 'epochs' in r: epoch_s['wide'] = r['train_time_s'] / r['epochs']
        minutes = min((self.left() - 15) / 60, self.cfg['max_seed_minutes'] or math.inf)
        if 'seed-ranger' not in steps: pass
        elif minutes >= self.cfg['min_seed_minutes']: self.step('seed-ranger', lambda: self.train('seed-ranger', preset='seed-ranger', minutes=round(minutes, 2)))
        else: self.record(dict(step='seed-ranger', skipped=f'{self.left():.0f} s left'))
        self.record(dict(step='end', elapsed_s=round(time.time() - self.start)))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', type=Path, required=True, help='folder for runs.tgz and campaign.json')
    p.add_argument('--budget', type=float, default=540, help='seconds from the start until every step should have finished')
    p.add_argument('--tiny', action='store_true', help='CPU dry-run: 600-image subsets, a small network, seconds-long budgets')
    p.add_argument('--steps', default='bench,pipeline,syncs,overhead,gpu5,budgets,seed-ranger', help='comma-separated steps, in this order (epoch budgets by name: ep50)')
    p.add_argument('--epoch-s', type=float, help="seconds per epoch of the wide ResNet measured earlier, to predict the epoch budgets")
    a = p.parse_args()
    Campaign(a.out, a.budget, TINY if a.tiny else FULL).run(a.steps.split(','), a.epoch_s)
