"A time budget on a machine that slows down: `fmnist-train --minutes 2` while CPU-bound processes take every core from halfway, as on a shared machine."
# Two minutes, not one: the plan keeps back time for the final scoring, and scoring speed under a sudden load is only known to within a second or two.
import json, multiprocessing, os, subprocess, sys, time
from pathlib import Path
import pytest
from fmnist_fastai.training import scoring_speed

BIN = Path(sys.executable).parent

def spin(until:float):
    "Keep a core busy until time `until`"
    while time.time() < until: pass

@pytest.mark.slow
def test_budget_holds_under_load(tmp_path):
    budget, out = 120, tmp_path/'run'
    start = time.time()
    p = subprocess.Popen([str(BIN/'fmnist-train'), '--minutes', '2', '--subset', '6000', '--tta', 'none', '--out', str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(budget / 2)
    hogs = [multiprocessing.Process(target=spin, args=(start + budget + 60,)) for _ in range(os.cpu_count())]
    for h in hogs: h.start()
    try: stdout, stderr = p.communicate(timeout=budget + 120)
    finally:
        for h in hogs: h.terminate()
    wall = time.time() - start
    assert p.returncode == 0, stderr[-3000:]
    plan = json.loads((out/'metrics.json').read_text())['plan']
    times = {k: round(plan[k], 1) for k in ('setup_s', 'train_s', 'holdout_s', 'scoring_s', 'scoring_cpu_s', 'reserved_s')}  # scoring's CPU seconds (all threads): far below 2× its wall time, it waited for the CPU
    after_s = plan['n_holdout'] / plan['holdout_speeds'][-1] + plan['scoring_s']  # what followed training: its last holdout pass and the final scoring
    overkept = max(plan['reserved_s'] - plan['write_s'] - after_s, 0)  # time the plan kept for them beyond what they took: their speed under load, misjudged
    left = plan['budget_s'] - plan['setup_s'] - plan['holdout_s'] - plan['scoring_s']
    why = (plan['budget_use'], round(after_s, 1), times, plan['epoch_steps'][-8:], plan['decisions'][-8:], [round(v) for v in plan['holdout_speeds'][-12:]])
    assert plan['train_s'] / (left - overkept) >= 0.9, why  # it trained for at least 90% of the time its own estimates left for training
    assert plan['budget_use'] >= 0.8, why  # and the scoring speed, measured under the same load, misjudged by less than a tenth of the budget
    assert '█' not in stdout and len(stdout) < 10_000, stdout[-2000:]  # a pipe: one line per epoch, no bars
    assert "arch='auto' for 2 min: maxpool_resnet_half" in stdout, stdout[:2000]  # two minutes afford only the half widths (with or without translation), and it says why
    assert json.loads((out/'settings.json').read_text())['arch'] == 'maxpool_resnet_half'
    if wall > budget + 15:  # the command's own wall time, start-up and scoring included
        # the scoring speed the plan counted on, measured under this same load by the holdout passes it saw: all but the last, which follows training
        counted = scoring_speed(plan['holdout_speeds'][:-1], plan['n_holdout'])
        scored = plan['finish_images'] / plan['scoring_s']
        if scored < counted / 3:  # three times slower than under this same load a moment before: a change after the plan's last look, which no plan can foresee
            pytest.skip(f"wall {wall:.0f} s: the final scoring ran at {scored:,.0f} images/s, under a third of the {counted:,.0f} measured under the same load "
                        f"by the holdout passes during training ({[round(v) for v in plan['holdout_speeds']]}); the machine slowed again after training ended: {times}")
        raise AssertionError((wall, times, stdout[-2000:]))
