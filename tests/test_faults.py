"Faults a user meets outside Python: a training process killed mid-epoch, and `fmnist-predict` on a mix of good and broken files."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file

BIN = Path(sys.executable).parent
ARGS = ['--arch', 'maxpool_resnet_half', '--subset', '4000', '--epochs', '3', '--tta', 'none']

def cli(name, *args):
    return subprocess.run([str(BIN/name), *map(str, args)], capture_output=True, text=True, timeout=600)

def epochs_done(run):
    f = run/'checkpoint.pt'
    return torch.load(f, weights_only=True)['epoch'] if f.exists() else 0

@pytest.fixture(scope='module')
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('full')/'run'
    r = cli('fmnist-train', *ARGS, '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    return out

@pytest.mark.slow  # uses the minute-long `full_run`
def test_kill_and_resume(tmp_path, full_run):
    out = tmp_path/'run'
    p = subprocess.Popen([str(BIN/'fmnist-train'), *ARGS, '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while epochs_done(out) < 1:
        assert p.poll() is None and time.time() < deadline, 'training ended before its first checkpoint'
        time.sleep(0.05)
    time.sleep(0.3)  # into the second epoch (an epoch of 3,600 images takes 1.3 s on 2 AVX-512 cores: 1 s here was once too late)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert epochs_done(out) == 1  # the last complete checkpoint survived the kill
    assert not (out/'metrics.json').exists()
    r = cli('fmnist-train', '--resume', out)
    assert r.returncode == 0, r.stderr[-3000:]
    resumed, full = (json.loads((d/'metrics.json').read_text()) for d in (out, full_run))
    assert resumed['resumed_from_epoch'] == 1
    for k in ('holdout_accuracy', 'test_accuracy', 'test_f1'): assert resumed['metrics'][k] == full['metrics'][k], k
    a, b = load_file(out/'model.safetensors'), load_file(full_run/'model.safetensors')
    assert all(torch.equal(a[k], b[k]) for k in a)

@pytest.mark.slow  # uses the minute-long `full_run`
def test_resume_refuses_other_settings(full_run):
    r = cli('fmnist-train', '--resume', full_run, '--arch', 'resnet18')
    assert r.returncode != 0 and "arch='resnet18' differs" in r.stderr

@pytest.mark.slow  # uses the minute-long `full_run`
def test_predict_cli(tmp_path, full_run):
    from PIL import Image
    from fmnist_fastai.data import load_fashion_mnist
    data = load_fashion_mnist()
    imgs = data.images[data.test_idx][:3].numpy()
    Image.fromarray(imgs[0]).save(tmp_path/'a.png')
    Image.fromarray(255 - imgs[1]).resize((300, 300)).convert('RGB').save(tmp_path/'b.jpg')
    (tmp_path/'c.png').write_bytes(b'not a png')
    r = cli('fmnist-predict', full_run, tmp_path, '--topk', 3, '--json')
    assert r.returncode == 1  # one file failed
    res = {Path(x['file']).name: x for x in json.loads(r.stdout)}
    assert set(res) == {'a.png', 'b.jpg', 'c.png'}
    assert 'not a readable image' in res['c.png']['error']
    from fmnist_fastai.inference import predict
    api = {Path(x['file']).name: x for x in predict(full_run, [tmp_path/'a.png', tmp_path/'b.jpg'], topk=3)}
    for name in ('a.png', 'b.jpg'):  # the command prints what `predict` returns
        assert [t['label'] for t in res[name]['topk']] == [t['label'] for t in api[name]['topk']]
        assert all(abs(t['prob'] - u['prob']) < 1e-6 for t, u in zip(res[name]['topk'], api[name]['topk']))
    probs = [t['prob'] for t in res['a.png']['topk']]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    r = cli('fmnist-predict', full_run / 'model.safetensors', tmp_path/'a.png')
    assert r.returncode == 0 and r.stdout.startswith(f"{tmp_path/'a.png'}: {res['a.png']['label']} ")

def test_predict_cli_bad_model(tmp_path):
    from fmnist_fastai.inference import fmnist_predict
    with pytest.raises(SystemExit) as e: fmnist_predict.__wrapped__(str(tmp_path/'nowhere'), 'a.png')
    assert 'no such run folder' in str(e.value)
