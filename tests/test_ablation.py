"`fmnist-ablation` as a team runs it: two worker processes on one study share its rows, each row trained exactly once."
import os, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent
ARGS = ['--minutes', '0.9', '--subset', '1500', '--seeds', '0,1', '--tricks', 'baseline,mixup']

def ablation(*args):
    return subprocess.Popen([str(BIN/'fmnist-ablation'), *ARGS, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, 'OMP_NUM_THREADS': '1'})  # two workers, one core each

@pytest.mark.slow
def test_two_workers_each_row_once(tmp_path):
    import optuna
    from optuna.trial import TrialState
    from fmnist_fastai.ablation import ablation_frame, ablation_storage
    db = f"sqlite:///{tmp_path/'study.db'}"
    workers = [ablation('--storage', db, '--out', tmp_path/f'out{i}') for i in range(2)]  # started together
    outs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), [o[1][-2000:] for o in outs]
    trained = [int(o[0].split('this process trained ')[1].split()[0]) for o in outs]
    assert sum(trained) == 4, (trained, outs)  # every row once, both workers or one
    storage = ablation_storage(db)
    studies = optuna.get_all_study_names(storage)
    assert len(studies) == 1, studies
    done = optuna.load_study(study_name=studies[0], storage=storage).get_trials(states=(TrialState.COMPLETE,))
    assert sorted((t.user_attrs['trick'], t.user_attrs['seed']) for t in done) == [('baseline', 0), ('baseline', 1), ('mixup', 0), ('mixup', 1)]
    assert len(ablation_frame(storage)) == 4
    assert (tmp_path/'out0'/'ablation.md').read_text().count('| 0.9 |') == 2  # the table: baseline and mixup at 0.9 minutes
