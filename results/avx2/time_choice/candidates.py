"""The holdout comparison that chose the CPU time-budget recipe (`FAST` in 04_recipes), one run after the other on a
2-core AVX2 machine (fp32), nothing else running. Each folder here kept its settings, metrics and history:
    .venv/bin/python results/avx2/time_choice/candidates.py 5 thin_c3,thin_c1,mp_half_c1,compact_c1
    .venv/bin/python results/avx2/time_choice/candidates.py 10 mp_half_c1,mp_c1
Every candidate: Adam one-cycle lr 5e-3, bs 128, wd 0.01, label smoothing 0.1, 28 px, crop + flip, flip TTA, a
stratified holdout of 6,000 images; the test set is scored but chose nothing."""
import json, sys
from pathlib import Path
from fmnist_fastai.training import train

RECIPE = dict(preset='fast5', resize=28, size=28, lr=5e-3, bs=128, wd=0.01, tta='flip', holdout=0.1, seed=42)
CANDIDATES = {
    'thin_c3': dict(arch='compact_resnet_thin', channels=3), 'thin_c1': dict(arch='compact_resnet_thin', channels=1),
    'compact_c1': dict(arch='compact_resnet', channels=1),
    'mp_half_c1': dict(arch='maxpool_resnet_half', channels=1), 'mp_c1': dict(arch='maxpool_resnet', channels=1),
}
minutes, names = float(sys.argv[1]), sys.argv[2].split(',')
for name in names:
    out = Path(__file__).parent/f'{name}_{minutes:g}min'
    res = train(minutes=minutes, out=out, overwrite=True, **RECIPE | CANDIDATES[name])
    for f in ('model.safetensors', 'checkpoint.pt', 'loss.png', 'confusion.png'): (out/f).unlink(missing_ok=True)
    m = res.metrics
    print(f"{name}, {minutes:g} min: holdout {m['holdout_accuracy']:.4f} test {m['test_accuracy']:.4f} "
          f"tta {m['tta_accuracy']:.4f} wall {m['wall_time_s']:.0f} s, {json.loads((out/'settings.json').read_text())['epochs']} epochs", flush=True)
