"gpu/h100.sh, the prepared GPU command, checked on this CPU: its wheels install and its campaign (gpu/campaign.py) runs every job."
import json, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).parents[1]

@pytest.mark.slow
@pytest.mark.skipif(not Path('/usr/share/datasets/fashion-mnist').exists(), reason='needs Debian dataset-fashion-mnist')
def test_dry_run():
    r = subprocess.run(['bash', str(ROOT/'gpu/h100.sh'), 'dry-run'], capture_output=True, text=True, timeout=900,
                       env={**os.environ, 'PYTHON': sys.executable})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.rstrip().endswith('dry-run: ok'), r.stdout[-3000:]
    steps = {e['step']: e for e in (json.loads(l) for l in r.stdout.splitlines() if l.startswith('{"step"'))}
    assert {'bench', 'pipeline', 'gpu5', 'ep5', 'seed-ranger', 'end'} <= set(steps), steps
    assert not any('error' in e for e in steps.values()), steps
    assert steps['bench']['ratio'] > 0 and steps['bench']['seed_epoch_s'] > 0 and steps['pipeline']['bs512_img_s'] > 0
    assert steps['gpu5']['epochs'] >= 1 and steps['gpu5']['tta_accuracy'] > 0.3  # chance: 0.1

def test_usage():
    r = subprocess.run(['bash', str(ROOT/'gpu/h100.sh')], capture_output=True, text=True)
    assert r.returncode == 2 and 'usage: gpu/h100.sh pack | run | dry-run' in r.stderr
