"`fmnist-train` as a user runs it: a subprocess, its exit code, its output and the files it writes."
import json, os, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent

def run(*args, env=None):
    return subprocess.run([str(BIN/'fmnist-train'), *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})

def test_help():
    "`--help` names every backbone, preset, optimizer, schedule, TTA policy and precision, taken from the library's tables"
    from fmnist_fastai.models import ARCHS
    from fmnist_fastai.learner import PRECISIONS
    from fmnist_fastai.recipes import PRESETS, OPTIMIZERS, SCHEDULES, TTA_POLICIES
    r = run('--help', env={'COLUMNS': '1000'})  # one line per option: argparse would wrap names at their hyphens
    assert r.returncode == 0, r.stderr
    for opt in ('--arch', '--epochs', '--minutes', '--precision', '--lr', '--subset', '--holdout', '--seed', '--out', '--tta', '--compile', '--tensorboard'):
        assert opt in r.stdout, opt
    for name in [*ARCHS, *PRESETS, *OPTIMIZERS, *SCHEDULES, *TTA_POLICIES, *PRECISIONS]: assert name in r.stdout, name
    r = run('--precision', 'half')
    assert r.returncode == 2 and "invalid choice: 'half'" in r.stderr

def test_tiny_run(tmp_path):
    out = tmp_path/'run'
    r = run('--subset', 600, '--epochs', 1, '--arch', 'maxpool_resnet_half', '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    assert lines[0].split() == ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'macro_f1', 'time'] and len(lines) == 3, r.stdout  # output to a pipe: the table, no bars
    last = lines[-1]
    m = json.loads((out/'metrics.json').read_text())['metrics']
    assert last.startswith(f"test accuracy {m['test_accuracy']:.4f} | TTA accuracy {m['tta_accuracy']:.4f}")
    assert last.endswith(str(out))
    assert {p.name for p in out.iterdir()} == {'settings.json', 'metrics.json', 'model.safetensors', 'checkpoint.pt', 'history.csv', 'loss.png', 'confusion.png'}
    r = run('--subset', 600, '--epochs', 1, '--arch', 'maxpool_resnet_half', '--out', out)  # never overwrites a run silently
    assert r.returncode != 0 and 'already holds a run' in r.stderr

@pytest.mark.parametrize('kwargs,msg', [
    (dict(holdout=1.5), 'holdout=1.5'),
    (dict(subset=3), 'subset=3'),
    (dict(data_path='/no/such/folder'), 'path=/no/such/folder lacks train-images-idx3-ubyte.gz'),
    (dict(arch='no_such_net'), "arch='no_such_net'"),
    (dict(resume='/no/such/run'), 'resume=/no/such/run: no settings.json'),
    (dict(replay='/no/such/run'), 'replay=/no/such/run: no metrics.json'),
    (dict(preset='fastest'), "preset='fastest'"),
    (dict(tta='sometimes'), "tta='sometimes'"),
    (dict(opt='sgd2'), "opt='sgd2'"),
    (dict(autoaugment='mnist'), "autoaugment='mnist'"),
    (dict(schedule='warmup_cos', warmup=10, epochs=5), 'warmup=10'),
    (dict(small_stem=True), "small_stem=True: arch='maxpool_resnet_half'"),
    (dict(epochs=3, minutes=2.), 'give one of them'),
    (dict(minutes=0.01), 'minutes=0.01: too short'),
    (dict(sync_bn=True), 'sync_bn=True'),
    (dict(channels=2), 'channels=2: use 1'),
])
def test_bad_arguments(tmp_path, kwargs, msg):
    "The command's function itself (in-process: a subprocess per case would cost seconds of imports each)"
    from fmnist_fastai.training import fmnist_train
    with pytest.raises(SystemExit) as e: fmnist_train.__wrapped__(out=str(tmp_path/'run'), **kwargs)
    assert str(e.value).startswith('fmnist-train: error: ') and msg in str(e.value)
    assert not (tmp_path/'run').exists()  # nothing written for a run that could not start

def test_pretrained_offline(tmp_path):
    r = run('--arch', 'resnet18', '--pretrained', '--subset', 200, '--epochs', 1, '--out', tmp_path/'run', env={'HF_HUB_OFFLINE': '1'})
    assert r.returncode != 0
    assert 'pretrained=False' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]

def test_corrupt_data(tmp_path):
    src = Path('/usr/share/datasets/fashion-mnist')
    if not src.exists(): pytest.skip('Debian dataset-fashion-mnist not installed')
    for f in src.iterdir(): (tmp_path/f.name).write_bytes(f.read_bytes())
    bad = tmp_path/'t10k-labels-idx1-ubyte.gz'
    bad.write_bytes(bad.read_bytes()[:100])
    r = run('--data-path', tmp_path, '--out', tmp_path/'run')
    assert r.returncode != 0
    assert f'{bad}: not a readable gzip file' in r.stderr, r.stderr[-2000:]

def test_bars_in_a_terminal(tmp_path):
    "In a terminal fastai's progress bars stay (to a pipe, `test_tiny_run`: the table alone)"
    import pty
    leader, follower = pty.openpty()
    p = subprocess.Popen([str(BIN/'fmnist-train'), '--subset', '600', '--epochs', '1', '--tta', 'none', '--out', str(tmp_path/'run')],
                         stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    out = b''
    while True:
        try: chunk = os.read(leader, 65536)
        except OSError: break  # the command ended and closed the terminal
        if not chunk: break
        out += chunk
    assert p.wait(timeout=600) == 0
    text = out.decode(errors='replace')
    assert 'Epoch 1/1' in text and '100.00%' in text and 'test accuracy' in text, text[-2000:]
