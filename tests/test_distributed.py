"Two DDP processes on this CPU (gloo on 127.0.0.1), launched by torchrun as users launch GPU runs, stopped and resumed."
import json, os, subprocess, sys
import pytest
from pathlib import Path
import torch
from safetensors.torch import load_file
from fmnist_fastai.checkpoint import load_checkpoint
from fmnist_fastai.data import load_fashion_mnist, fmnist_test_dl
from fmnist_fastai.recipes import tta_preds
from fmnist_fastai.training import learner_from_settings, scores

def launch(work, port, *args):
    "Two processes of `ddp_worker.py` under torchrun, in folder `work`"
    cmd = [str(Path(sys.executable).parent/'torchrun'), '--nnodes', '1', '--nproc-per-node', '2', '--master-addr', '127.0.0.1',
           '--master-port', str(port), str(Path(__file__).parent/'ddp_worker.py'), *map(str, args)]
    r = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=600, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-4000:]

@pytest.mark.slow
def test_two_gloo_processes(tmp_path, free_port):
    work, weights = tmp_path/'work', tmp_path/'weights'
    work.mkdir(); weights.mkdir()
    launch(work, free_port(), weights)  # stops after epoch 1 of 2
    # rank 0 alone made one run folder and wrote it; both ranks agreed on its name
    runs = list((work/'runs').iterdir())
    assert [p.name for p in work.iterdir()] == ['runs'] and len(runs) == 1, list(work.rglob('*'))
    run = runs[0]
    assert load_checkpoint(run/'checkpoint.pt')['epoch'] == 1
    launch(work, free_port(), weights, run)  # every rank resumes from rank 0's checkpoint
    assert len(list((work/'runs').iterdir())) == 1
    assert {p.name for p in run.iterdir()} == {'settings.json', 'metrics.json', 'model.safetensors', 'checkpoint.pt', 'history.csv', 'loss.png', 'confusion.png'}
    assert len((run/'history.csv').read_text().splitlines()) == 3  # header + 2 epochs, written once
    # DDP kept the two replicas identical, and the saved model is theirs
    w0, w1 = torch.load(weights/'rank0.pt'), torch.load(weights/'rank1.pt')
    assert w0.keys() == w1.keys()
    assert all(torch.equal(w0[k], w1[k]) for k in w0), [k for k in w0 if not torch.equal(w0[k], w1[k])]
    saved = load_file(run/'model.safetensors')
    assert all(torch.equal(saved[k], w0[k]) for k in w0)
    # the reported metrics are those of a single-process evaluation of the saved model on the whole test set
    record = json.loads((run/'metrics.json').read_text())
    m = record['metrics']
    assert record['processes'] == 2 and record['global_bs'] == 128 and record['resumed_from_epoch'] == 1, record
    assert m['test_accuracy'] > 0.3, m  # chance: 0.1
    data = load_fashion_mnist()
    learn = learner_from_settings(json.loads((run/'settings.json').read_text()), data)
    learn.model.load_state_dict(saved)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the workers, so that bf16 sums run in the same order
    try:
        test_dl = fmnist_test_dl(learn.dls, data)
        preds, targs = learn.get_preds(dl=test_dl)
        assert len(targs) == 10_000
        assert scores(preds, targs) == {'accuracy': m['test_accuracy'], 'f1': m['test_f1']}
        assert scores(tta_preds(learn, test_dl, 'flip'), targs)['accuracy'] == m['tta_accuracy']
    finally: torch.set_num_threads(threads)
